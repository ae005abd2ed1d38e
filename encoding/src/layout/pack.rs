//! Packing bytes into field elements: 31 data bytes per element behind a zero byte, so every
//! element is canonical whatever the data.

use crate::{
    constants::{BYTES_PER_FIELD_ELEMENT, DATA_BYTES_PER_ELEMENT},
    error::{Error, Result},
};

/// Elements needed for `len` bytes.
pub const fn elements_for(len: usize) -> usize {
    len.div_ceil(DATA_BYTES_PER_ELEMENT)
}

/// Writes `data` into consecutive 32-byte elements of `out` (which must hold
/// `elements_for(data.len())` elements and be zeroed).
pub fn pack(data: &[u8], out: &mut [u8]) {
    debug_assert_eq!(
        out.len(),
        elements_for(data.len()) * BYTES_PER_FIELD_ELEMENT
    );
    for (chunk, element) in data
        .chunks(DATA_BYTES_PER_ELEMENT)
        .zip(out.chunks_exact_mut(BYTES_PER_FIELD_ELEMENT))
    {
        element[1..=chunk.len()].copy_from_slice(chunk);
    }
}

/// Reads `len` bytes back from packed elements, checking the zero lead byte of each element
/// and the zero padding after the data.
pub fn unpack(elements: &[u8], len: usize) -> Result<Vec<u8>> {
    if elements.len() != elements_for(len) * BYTES_PER_FIELD_ELEMENT {
        return Err(Error::Layout("blob extends past the square"));
    }
    let mut out = Vec::with_capacity(len);
    for element in elements.chunks_exact(BYTES_PER_FIELD_ELEMENT) {
        if element[0] != 0 {
            return Err(Error::Layout("packed element has a non-zero lead byte"));
        }
        let take = (len - out.len()).min(DATA_BYTES_PER_ELEMENT);
        out.extend_from_slice(&element[1..=take]);
        if element[1 + take..].iter().any(|&b| b != 0) {
            return Err(Error::Layout("non-zero padding after blob data"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_at_element_boundaries() {
        for len in [1, 30, 31, 32, 62, 63, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let mut out = vec![0u8; elements_for(len) * 32];
            pack(&data, &mut out);
            assert_eq!(unpack(&out, len).unwrap(), data);
            // Any non-zero padding byte is rejected.
            if len % 31 != 0 {
                let last = out.len() - 1;
                out[last] = 1;
                assert!(unpack(&out, len).is_err());
            }
        }
    }
}
