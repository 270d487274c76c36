//! Edit lists (the JSON `apply` and the MCP tools take): any bytes parse or are refused;
//! a list that plans gives a patch that applies, to the length it announces.
#![no_main]

use bigedit_core::{plan_edits, Chunker, Edit, LineIndex};
use libfuzzer_sys::fuzz_target;

const DOC: &[u8] = b"one\ntwo\r\nthree\n\n# Head\nfour five\nlast";

fuzz_target!(|data: &[u8]| {
    let Ok(edits) = serde_json::from_slice::<Vec<Edit>>(data) else { return };
    let src = DOC.to_vec();
    let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
    let Ok(patch) = plan_edits(&src, Some(&index), &edits, &mut Chunker::new(7)) else { return };
    let new = patch.apply_to_vec(&src).unwrap();
    assert_eq!(new.len() as u64, patch.len());
});
