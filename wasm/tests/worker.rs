//! The Blob and OPFS glue, in a dedicated worker of headless Chromium
//! (`bash scripts/test-wasm.sh`). Expectations come from plain slices of the test bytes.

#![cfg(target_arch = "wasm32")]
#![allow(missing_docs, clippy::unwrap_used)]

use bigedit_core::ReadAt;
use bigedit_wasm::blob::BlobSource;
use bigedit_wasm::opfs::{ByteSink, OpfsSink};
use bigedit_wasm::{open_blob, open_reader, Document};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    Blob, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetFileOptions,
    FileSystemReadWriteOptions, FileSystemSyncAccessHandle, WorkerGlobalScope,
};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// A test text: numbered lines of varying length, some CRLF.
fn sample() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..500u32 {
        let ending = if i % 7 == 0 { "\r\n" } else { "\n" };
        out.extend_from_slice(
            format!("line {i} {}{ending}", "x".repeat((i % 13) as usize)).as_bytes(),
        );
    }
    out
}

fn blob_of(bytes: &[u8]) -> Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// Begins a pass with `begin` and feeds it the view bytes in `size`-byte chunks.
fn run_with(
    doc: &mut Document,
    begin: impl FnOnce(&Document) -> bigedit_wasm::Pass,
    view: &[u8],
    size: usize,
) -> JsValue {
    let pass = begin(doc);
    run(doc, pass, view, size)
}

/// Feeds the view of `doc` into `pass` in `size`-byte chunks, from the pass's start.
fn run(doc: &mut Document, pass: bigedit_wasm::Pass, view: &[u8], size: usize) -> JsValue {
    let mut pass = pass;
    let start = pass.start() as usize;
    for chunk in view[start..].chunks(size) {
        if !pass.push(chunk).unwrap() {
            break;
        }
    }
    doc.finish(pass).unwrap()
}

fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default()
}

#[wasm_bindgen_test]
fn blob_random_reads_match_slices() {
    let text = sample();
    let src = BlobSource::new(blob_of(&text)).unwrap();
    assert_eq!(src.len(), text.len() as u64);
    for (pos, len) in
        [(0, 1), (0, 10), (5, 100), (1000, 4096), (text.len() - 3, 10), (text.len(), 5)]
    {
        let mut buf = vec![0u8; len];
        let n = src.read_at(pos as u64, &mut buf).unwrap();
        let want = &text[pos.min(text.len())..(pos + len).min(text.len())];
        assert_eq!(&buf[..n], want, "read at {pos} of {len}");
    }
    let mut buf = [0u8; 4];
    assert_eq!(src.read_at(u64::MAX - 1, &mut buf).unwrap(), 0);
}

#[wasm_bindgen_test]
fn blob_document_lines_and_byte_ranges() {
    let text = sample();
    let mut doc = open_blob(blob_of(&text), Some(64.0)).unwrap();
    let res = run_with(&mut doc, |d| d.begin_index(), &text, 1000);
    let lines = js_sys::Reflect::get(&res, &"lines".into()).unwrap().as_f64().unwrap();
    assert_eq!(lines, 500.0);
    assert_eq!(doc.line_count(), Some(500.0));
    let expected: Vec<String> = String::from_utf8(text.clone())
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    assert_eq!(doc.lines(1.0, 3.0).unwrap(), expected[0..3]);
    assert_eq!(doc.lines(250.0, 260.0).unwrap(), expected[249..260]);
    assert_eq!(doc.lines(500.0, 500.0).unwrap(), expected[499..500]);
    assert_eq!(doc.bytes(17.0, 4000.0).unwrap(), text[17..4000]);

    // A staged edit shows in reads; undo restores.
    doc.replace_lines(2.0, 3.0, "two\nthree".into()).unwrap();
    assert_eq!(
        doc.lines(1.0, 4.0).unwrap(),
        [expected[0].clone(), "two".into(), "three".into(), expected[3].clone()]
    );
    assert_eq!(doc.line_count(), Some(500.0));
    assert!(doc.undo());
    assert_eq!(doc.lines(2.0, 3.0).unwrap(), expected[1..3]);
}

#[wasm_bindgen_test]
fn errors_are_range_and_type_errors_with_core_messages() {
    let text = sample();
    let mut doc = open_blob(blob_of(&text), None).unwrap();
    let e = doc.lines(1.0, 2.0).unwrap_err();
    assert!(e.is_instance_of::<js_sys::TypeError>(), "{e:?}");
    let e = doc.bytes(10.0, 1e9).unwrap_err();
    assert!(e.is_instance_of::<js_sys::RangeError>());
    assert_eq!(
        message(&e),
        format!("byte range 10:1000000000 is past the end: the document has {} bytes", text.len())
    );
    let e = doc.bytes(-1.0, 3.0).unwrap_err();
    assert!(e.is_instance_of::<js_sys::RangeError>());
    let e = doc.bytes(0.5, 3.0).unwrap_err();
    assert!(e.is_instance_of::<js_sys::RangeError>());
    run_with(&mut doc, |d| d.begin_index(), &text, 4096);
    let e = doc.lines(499.0, 501.0).unwrap_err();
    assert!(e.is_instance_of::<js_sys::RangeError>());
    assert_eq!(message(&e), "line 501 is past the end: the document has 500 lines");
    let e = doc.begin_find("a(".into(), true, None, None).err().unwrap();
    assert!(e.is_instance_of::<js_sys::TypeError>());
    // A pass that is not fed to its end is refused.
    let mut pass = doc.begin_index();
    pass.push(&text[..10]).unwrap();
    assert!(message(&doc.finish(pass).unwrap_err()).starts_with("pass ended early"));
    // A reader whose readAt is missing.
    let e = open_reader(js_sys::Object::new().into(), 10.0, None).err().unwrap();
    assert_eq!(message(&e), "source.readAt must be a function");
}

#[wasm_bindgen_test]
fn blob_of_a_failing_read_reports_the_offset() {
    // A reader callback that throws: the error names the offset and the host's message.
    let f = js_sys::Function::new_with_args("o, n", "throw new Error('disk on fire at ' + o)");
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"readAt".into(), &f).unwrap();
    let doc = open_reader(obj.into(), 100.0, None).unwrap();
    let e = doc.bytes(40.0, 50.0).unwrap_err();
    assert_eq!(message(&e), "read failed at byte 40: disk on fire at 40");
}

async fn opfs_file(name: &str) -> (FileSystemDirectoryHandle, FileSystemFileHandle) {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let root: FileSystemDirectoryHandle =
        JsFuture::from(scope.navigator().storage().get_directory()).await.unwrap().unchecked_into();
    let opts = FileSystemGetFileOptions::new();
    opts.set_create(true);
    let file: FileSystemFileHandle = JsFuture::from(root.get_file_handle_with_options(name, &opts))
        .await
        .unwrap()
        .unchecked_into();
    (root, file)
}

async fn sync_handle(file: &FileSystemFileHandle) -> FileSystemSyncAccessHandle {
    JsFuture::from(file.create_sync_access_handle()).await.unwrap().unchecked_into()
}

fn read_all(handle: &FileSystemSyncAccessHandle) -> Vec<u8> {
    let size = handle.get_size().unwrap() as usize;
    let mut buf = vec![0u8; size];
    let opts = FileSystemReadWriteOptions::new();
    opts.set_at(0.0);
    let n = handle.read_with_u8_array_and_options(&mut buf, &opts).unwrap() as usize;
    buf.truncate(n);
    buf
}

#[wasm_bindgen_test]
async fn opfs_sink_writes_at_offsets_flushes_and_closes() {
    let (root, file) = opfs_file("bigedit-sink-test").await;
    let handle = sync_handle(&file).await;
    handle.truncate_with_f64(0.0).unwrap();
    let mut sink = OpfsSink::new(handle.clone());
    sink.write_at(b"world", 6).unwrap();
    sink.write_at(b"hello ", 0).unwrap();
    sink.write_at(&vec![b'z'; 100_000], 11).unwrap();
    sink.flush().unwrap();
    let mut want = b"hello world".to_vec();
    want.extend(std::iter::repeat_n(b'z', 100_000));
    assert_eq!(read_all(&handle), want);
    sink.close().unwrap();
    // Writing after close is an error that carries the browser's message, not a panic.
    let err = sink.write_at(b"late", 0).unwrap_err();
    assert!(!err.0.is_empty());
    let _ = JsFuture::from(root.remove_entry("bigedit-sink-test")).await;
}

#[wasm_bindgen_test]
async fn save_pass_streams_the_edited_view_into_opfs() {
    let text = sample();
    let mut doc = open_blob(blob_of(&text), None).unwrap();
    run_with(&mut doc, |d| d.begin_index(), &text, 333);
    doc.replace_lines(10.0, 12.0, "TEN\n".into()).unwrap();
    doc.delete_lines(1.0, 1.0).unwrap();
    let view = view_of(&doc);
    let replace = |d: &Document| d.begin_replace_all("xxx".into(), "Y".into(), false).unwrap();
    let res = run_with(&mut doc, replace, &view, 77);
    assert!(js_sys::Reflect::get(&res, &"replaced".into()).unwrap().as_f64().unwrap() > 0.0);

    // The expected bytes from the same edits on a plain string.
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let mut want = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match i {
            0 | 10 | 11 => {}
            9 => want.extend_from_slice(b"TEN\n"),
            _ => want.extend_from_slice(l),
        }
    }
    let want = String::from_utf8(want).unwrap().replace("xxx", "Y").into_bytes();
    assert_eq!(view_of(&doc), want);

    let (root, file) = opfs_file("bigedit-save-test").await;
    let handle = sync_handle(&file).await;
    handle.truncate_with_f64(0.0).unwrap();
    let view = view_of(&doc);
    let pass = doc.begin_save(handle.clone().into(), true).unwrap();
    let res = run(&mut doc, pass, &view, 1000);
    assert_eq!(
        js_sys::Reflect::get(&res, &"size".into()).unwrap().as_f64(),
        Some(want.len() as f64)
    );
    // The pass closed the handle: open a new one to read back.
    let handle = sync_handle(&file).await;
    assert_eq!(read_all(&handle), want);
    handle.close();
    let _ = JsFuture::from(root.remove_entry("bigedit-save-test")).await;
}

/// The edited view, read back through the overlay (FileReaderSync for the source bytes).
fn view_of(doc: &Document) -> Vec<u8> {
    doc.bytes(0.0, doc.size()).unwrap()
}

/// `{ key: [strings] }` options as JavaScript passes them.
fn opts(pairs: &[(&str, &[&str])]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let arr: Array = v.iter().map(|s| JsValue::from_str(s)).collect();
        js_sys::Reflect::set(&o, &(*k).into(), &arr).unwrap();
    }
    o.into()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn csv_passes_over_a_blob_in_the_worker() {
    // Expected values are written out by hand from this text.
    let text = b"id,city,note\r\n1,Paris,\"a,\r\nb\"\r\n2,Rome,x\r\n3,Paris,y\r\n".to_vec();
    let mut doc = open_blob(blob_of(&text), Some(5.0)).unwrap();
    let pass = doc.begin_csv_index(JsValue::UNDEFINED).unwrap();
    let info = run(&mut doc, pass, &text, 7);
    assert_eq!(get(&info, "records").as_f64(), Some(3.0));
    assert_eq!(get(&info, "newline").as_string().as_deref(), Some("CRLF"));
    assert_eq!(get(&info, "hasHeader").as_bool(), Some(true));
    assert!(doc.has_csv_index());

    // Rows 1..=3 where city=Paris: rows 1 and 3, fields unescaped.
    let where_paris = opts(&[("where", &["city=Paris"])]);
    let pass = doc.begin_csv_rows(1.0, 3.0, where_paris).unwrap();
    let rows = run(&mut doc, pass, &text, 1);
    let rows: Array = rows.dyn_into().unwrap();
    assert_eq!(rows.length(), 2);
    assert_eq!(get(&rows.get(0), "record").as_f64(), Some(1.0));
    assert_eq!(get(&rows.get(0), "offset").as_f64(), Some(14.0));
    let fields: Array = get(&rows.get(0), "fields").dyn_into().unwrap();
    assert_eq!(fields.get(2).as_string().as_deref(), Some("a,\r\nb"));
    assert_eq!(get(&rows.get(1), "record").as_f64(), Some(3.0));

    // A cell edit keeps the record index; a set pass stages one edit.
    doc.csv_set_cell(2.0, "note", "new \"q\"", JsValue::UNDEFINED).unwrap();
    assert!(doc.has_csv_index());
    let mut view = text.clone();
    view.splice(38..39, b"\"new \"\"q\"\"\"".iter().copied());
    assert_eq!(doc.bytes(0.0, doc.size()).unwrap(), view);
    let set = opts(&[("where", &["city=Paris"]), ("set", &["city=Lyon"])]);
    let pass = doc.begin_csv_set(set).unwrap();
    let report = run(&mut doc, pass, &view, 4096);
    assert_eq!(get(&report, "matched").as_f64(), Some(2.0));
    assert!(!doc.has_csv_index(), "a set pass drops the record index");
    let want = String::from_utf8(view).unwrap().replace("Paris", "Lyon");
    assert_eq!(doc.bytes(0.0, doc.size()).unwrap(), want.as_bytes());
    assert_eq!(doc.edits().length(), 2);

    // An unknown column names the header.
    let e = doc.begin_csv_count(opts(&[("where", &["cty=Rome"])])).err().unwrap();
    assert!(e.is_instance_of::<js_sys::TypeError>());
    assert_eq!(message(&e), "no column \"cty\"; the header is: id, city, note");
    assert!(doc.undo());
    assert!(doc.has_csv_index(), "undo restores the record index of the view before");
}
