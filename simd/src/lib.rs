//! The SIMD kernels of bigedit, behind a safe interface: the core engine forbids `unsafe`, so
//! the few lines that need `std::arch` live here, each checked against a portable reference.
//!
//! [`Classifier::block`] turns 64 bytes into three bitmasks (bit `i` is byte `i`): the quote
//! bytes, the delimiter bytes and the line-ending bytes (`\n` and `\r`). [`prefix_xor`] turns
//! quote bits into the in-quote mask. Together they are the structural classifier of
//! simdjson and simdcsv, which finds a CSV file's record and field boundaries from set bits
//! instead of a byte-at-a-time state machine.
//!
//! Paths: SSE2 on x86-64 (part of the baseline, so no run-time detection), `simd128` on wasm32
//! when it is enabled at compile time (bigedit's wasm build enables it), and a portable
//! 64-bit SWAR path everywhere else. All give the same bits; the tests compare every path the
//! build has against a byte-at-a-time reference.
//!
//! # Example
//!
//! ```
//! use bigedit_simd::{prefix_xor, Classifier};
//!
//! let c = Classifier::new(b'"', b',');
//! let m = c.tail(b"a,\"b,c\",d\n");
//! assert_eq!(m.delimiter, 0b1001_0010);
//! assert_eq!(m.quote, 0b0100_0100);
//! assert_eq!(m.newline, 1 << 9);
//! // Bytes 2..6 lie inside quotes (the opening quote counts, the closing one does not): the
//! // comma at 4 is data.
//! assert_eq!(m.delimiter & !prefix_xor(m.quote), 0b1000_0010);
//! ```

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

/// The bytes of one block.
pub const BLOCK: usize = 64;

/// The byte classes of one 64-byte block: bit `i` of each mask says whether byte `i` is of
/// that class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Masks {
    /// The quote byte.
    pub quote: u64,
    /// The delimiter byte.
    pub delimiter: u64,
    /// `\n` or `\r`.
    pub newline: u64,
}

/// Classifies blocks for one quote and one delimiter byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classifier {
    quote: u8,
    delimiter: u8,
}

impl Classifier {
    /// A classifier for `quote` and `delimiter` (any bytes; one equal to `\n` or `\r` is
    /// reported in both masks).
    pub fn new(quote: u8, delimiter: u8) -> Self {
        Classifier { quote, delimiter }
    }

    /// The masks of `block`, by the fastest path this build has. Runs in O(1).
    #[inline]
    pub fn block(&self, block: &[u8; BLOCK]) -> Masks {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            sse2::block(block, self.quote, self.delimiter)
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            simd128::block(block, self.quote, self.delimiter)
        }
        #[cfg(not(any(
            all(target_arch = "x86_64", target_feature = "sse2"),
            all(target_arch = "wasm32", target_feature = "simd128")
        )))]
        {
            self.portable(block)
        }
    }

    /// The masks of the first `bytes.len()` bytes of a block (at most [`BLOCK`]; bytes past
    /// that are ignored): bits at and past `bytes.len()` are clear. Runs in O(1).
    #[inline]
    pub fn tail(&self, bytes: &[u8]) -> Masks {
        let n = bytes.len().min(BLOCK);
        let mut block = [0u8; BLOCK];
        block[..n].copy_from_slice(&bytes[..n]);
        let m = self.block(&block);
        let keep = if n == BLOCK { u64::MAX } else { (1u64 << n) - 1 };
        Masks { quote: m.quote & keep, delimiter: m.delimiter & keep, newline: m.newline & keep }
    }

    /// The masks of `block` by 64-bit SWAR arithmetic, without `std::arch`: the path of
    /// targets without a SIMD path, and a reference for the others. Runs in O(1).
    pub fn portable(&self, block: &[u8; BLOCK]) -> Masks {
        let (q, d) = (splat(self.quote), splat(self.delimiter));
        let (lf, cr) = (splat(b'\n'), splat(b'\r'));
        let mut m = Masks::default();
        for (i, word) in block.chunks_exact(8).enumerate() {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            let w = u64::from_le_bytes(bytes);
            let shift = 8 * i;
            m.quote |= gather(eq_bytes(w, q)) << shift;
            m.delimiter |= gather(eq_bytes(w, d)) << shift;
            m.newline |= gather(eq_bytes(w, lf) | eq_bytes(w, cr)) << shift;
        }
        m
    }
}

/// `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `w` that equals the same byte of `pat`; no other bit (exact:
/// no borrow runs from one byte into the next).
#[inline]
const fn eq_bytes(w: u64, pat: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ pat;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The high bits of the 8 bytes of `m` (each byte `0x80` or 0) as the low 8 bits.
#[inline]
const fn gather(m: u64) -> u64 {
    (m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`: applied to quote bits, it is set
/// from each opening quote up to (not including) its closing one. Runs in O(1).
///
/// # Example
///
/// ```
/// assert_eq!(bigedit_simd::prefix_xor(0b0100_0100), 0b0011_1100);
/// ```
#[inline]
pub const fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    use super::{Masks, BLOCK};

    /// The masks of `block` with SSE2: four 16-byte lanes, four compares and a movemask each.
    #[inline]
    pub fn block(block: &[u8; BLOCK], quote: u8, delimiter: u8) -> Masks {
        // SAFETY: SSE2 is enabled at compile time (the module's cfg), so its intrinsics are
        // available; each unaligned load reads 16 bytes at offset 0, 16, 32 or 48 of a 64-byte
        // array, inside it.
        unsafe {
            let q = _mm_set1_epi8(quote as i8);
            let d = _mm_set1_epi8(delimiter as i8);
            let lf = _mm_set1_epi8(b'\n' as i8);
            let cr = _mm_set1_epi8(b'\r' as i8);
            let mut m = Masks::default();
            for lane in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * lane).cast::<__m128i>());
                let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16);
                let shift = 16 * lane;
                m.quote |= bits(_mm_cmpeq_epi8(v, q)) << shift;
                m.delimiter |= bits(_mm_cmpeq_epi8(v, d)) << shift;
                m.newline |=
                    bits(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr))) << shift;
            }
            m
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};

    use super::{Masks, BLOCK};

    /// The masks of `block` with wasm `simd128`: four 16-byte lanes, as the SSE2 path.
    #[inline]
    pub fn block(block: &[u8; BLOCK], quote: u8, delimiter: u8) -> Masks {
        let (q, d) = (u8x16_splat(quote), u8x16_splat(delimiter));
        let (lf, cr) = (u8x16_splat(b'\n'), u8x16_splat(b'\r'));
        let mut m = Masks::default();
        for lane in 0..4 {
            // SAFETY: the load reads 16 bytes at offset 0, 16, 32 or 48 of a 64-byte array,
            // inside it; `v128_load` has no alignment requirement.
            let v = unsafe { v128_load(block.as_ptr().add(16 * lane).cast::<v128>()) };
            let shift = 16 * lane;
            m.quote |= u64::from(u8x16_bitmask(u8x16_eq(v, q))) << shift;
            m.delimiter |= u64::from(u8x16_bitmask(u8x16_eq(v, d))) << shift;
            m.newline |=
                u64::from(u8x16_bitmask(v128_or(u8x16_eq(v, lf), u8x16_eq(v, cr)))) << shift;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Byte at a time: what every path must equal.
    fn naive(block: &[u8], quote: u8, delimiter: u8) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in block.iter().enumerate() {
            m.quote |= u64::from(b == quote) << i;
            m.delimiter |= u64::from(b == delimiter) << i;
            m.newline |= u64::from(b == b'\n' || b == b'\r') << i;
        }
        m
    }

    fn naive_prefix_xor(x: u64) -> u64 {
        let (mut acc, mut out) = (0, 0);
        for i in 0..64 {
            acc ^= (x >> i) & 1;
            out |= acc << i;
        }
        out
    }

    /// Bytes drawn mostly from the classes, so every mask is dense.
    fn block_bytes() -> impl Strategy<Value = [u8; BLOCK]> {
        prop::array::uniform32(prop_oneof![
            Just(b'"'),
            Just(b','),
            Just(b'\n'),
            Just(b'\r'),
            Just(b'a'),
            any::<u8>()
        ])
        .prop_flat_map(|lo| {
            prop::array::uniform32(prop_oneof![Just(b'"'), Just(b';'), Just(0x80u8), any::<u8>()])
                .prop_map(move |hi| {
                    let mut b = [0u8; BLOCK];
                    b[..32].copy_from_slice(&lo);
                    b[32..].copy_from_slice(&hi);
                    b
                })
        })
    }

    proptest! {
        #[test]
        fn every_path_equals_the_byte_at_a_time_reference(
            block in block_bytes(),
            quote in prop_oneof![Just(b'"'), Just(b'\''), any::<u8>()],
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), any::<u8>()],
            len in 0usize..=64,
        ) {
            let c = Classifier::new(quote, delimiter);
            let want = naive(&block, quote, delimiter);
            prop_assert_eq!(c.portable(&block), want);
            prop_assert_eq!(c.block(&block), want);
            prop_assert_eq!(c.tail(&block[..len]), naive(&block[..len], quote, delimiter));
        }

        #[test]
        fn prefix_xor_equals_a_running_parity(x in any::<u64>()) {
            prop_assert_eq!(prefix_xor(x), naive_prefix_xor(x));
        }
    }

    #[test]
    fn every_byte_value_in_every_position() {
        for b in 0..=255u8 {
            for pos in [0, 7, 8, 15, 16, 31, 32, 47, 48, 63] {
                let mut block = [b'x'; BLOCK];
                block[pos] = b;
                for (q, d) in [(b'"', b','), (b, 0), (0, b), (b, b)] {
                    let c = Classifier::new(q, d);
                    assert_eq!(c.block(&block), naive(&block, q, d), "{b} at {pos}");
                    assert_eq!(c.portable(&block), naive(&block, q, d), "{b} at {pos}");
                }
            }
        }
    }
}
