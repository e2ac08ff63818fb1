//! A structural pass over the top-level protobuf fields of a file, before the real parse.
//!
//! rust-protobuf 3.4 accepts a message whose last length-delimited field runs past the end of
//! the buffer (a truncated download parses as a smaller model). A truncated file always cuts its
//! last top-level field, so walking the top level — a few dozen fields — is enough to catch it.

/// Checks that `bytes` is a well-formed sequence of protobuf fields; Err describes the first fault.
pub fn check_top_level(bytes: &[u8]) -> Result<(), String> {
    let mut pos = 0usize;
    while pos < bytes.len() {
        let start = pos;
        let tag = varint(bytes, &mut pos)
            .ok_or_else(|| format!("field tag at byte {start} is cut off"))?;
        let (field, wire) = (tag >> 3, tag & 7);
        if field == 0 {
            return Err(format!("field number 0 at byte {start}"));
        }
        match wire {
            0 => {
                varint(bytes, &mut pos)
                    .ok_or_else(|| format!("field {field} at byte {start} is cut off"))?;
            }
            1 | 5 => {
                let width = if wire == 1 { 8 } else { 4 };
                pos = pos
                    .checked_add(width)
                    .filter(|&end| end <= bytes.len())
                    .ok_or_else(|| format!("field {field} at byte {start} is cut off"))?;
            }
            2 => {
                let len = varint(bytes, &mut pos)
                    .ok_or_else(|| format!("length of field {field} at byte {start} is cut off"))?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| pos.checked_add(l))
                    .filter(|&end| end <= bytes.len());
                pos = end.ok_or_else(|| {
                    format!(
                        "field {field} at byte {start} declares {len} bytes but only {} remain (file truncated?)",
                        bytes.len() - pos
                    )
                })?;
            }
            other => {
                return Err(format!(
                    "field {field} at byte {start} has invalid wire type {other}"
                ))
            }
        }
    }
    Ok(())
}

fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_length_delimited_field_is_caught() {
        // field 7 (graph), wire type 2, length 10, but only 3 bytes follow.
        assert!(check_top_level(&[0x3a, 10, 1, 2, 3]).is_err());
        assert!(check_top_level(&[0x3a, 3, 1, 2, 3]).is_ok());
        assert!(check_top_level(&[0x08, 0x80]).is_err(), "varint cut off");
        assert!(check_top_level(&[0x0b]).is_err(), "group wire type");
    }
}
