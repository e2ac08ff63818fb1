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

/// Where a `raw_data` payload left in the file lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub offset: u64,
    pub len: u64,
}

/// A model's bytes without the large `raw_data` payloads of its main graph's initializers, and
/// where each initializer's payload is in the file (in initializer order; None: kept inline).
pub struct Stripped {
    pub bytes: Vec<u8>,
    pub raw: Vec<Option<ByteRange>>,
}

const MODEL_GRAPH: u64 = 7;
const GRAPH_INITIALIZER: u64 = 5;
const TENSOR_RAW_DATA: u64 = 9;
const LEN_DELIMITED: u64 = 2;

/// A reader over the model file that knows its position and how much is left, so no length
/// read from the file can make it allocate more than the file holds.
struct Source<R> {
    r: std::io::BufReader<R>,
    pos: u64,
    len: u64,
}

/// A field's header: number, wire type, and where its payload ends (length-delimited fields).
struct Header {
    number: u64,
    wire: u64,
    /// The tag's bytes, copied as they were.
    tag: Vec<u8>,
}

impl<R: std::io::Read + std::io::Seek> Source<R> {
    fn byte(&mut self) -> Option<u8> {
        let mut b = [0u8];
        std::io::Read::read_exact(&mut self.r, &mut b).ok()?;
        self.pos += 1;
        Some(b[0])
    }

    /// A varint, also appended to `raw` as read.
    fn varint(&mut self, raw: &mut Vec<u8>) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            raw.push(b);
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn header(&mut self) -> Option<Header> {
        let mut tag = Vec::with_capacity(2);
        let t = self.varint(&mut tag)?;
        Some(Header {
            number: t >> 3,
            wire: t & 7,
            tag,
        })
    }

    fn take(&mut self, n: u64, out: &mut Vec<u8>) -> Option<()> {
        if n > self.len - self.pos {
            return None;
        }
        let start = out.len();
        out.resize(start + n as usize, 0);
        std::io::Read::read_exact(&mut self.r, &mut out[start..]).ok()?;
        self.pos += n;
        Some(())
    }

    fn skip(&mut self, n: u64) -> Option<()> {
        if n > self.len - self.pos {
            return None;
        }
        self.r.seek_relative(i64::try_from(n).ok()?).ok()?;
        self.pos += n;
        Some(())
    }

    /// The rest of a field whose header was read, copied to `out` with its header.
    fn copy_field(&mut self, h: &Header, out: &mut Vec<u8>) -> Option<()> {
        out.extend_from_slice(&h.tag);
        match h.wire {
            0 => self.varint(out).map(drop),
            1 => self.take(8, out),
            5 => self.take(4, out),
            2 => {
                let n = self.varint(out)?;
                self.take(n, out)
            }
            _ => None,
        }
    }

    /// The payload length of a length-delimited field, and where it ends.
    fn payload(&mut self) -> Option<(u64, u64)> {
        let n = self.varint(&mut Vec::new())?;
        let end = self.pos.checked_add(n).filter(|&e| e <= self.len)?;
        Some((n, end))
    }
}

fn put_len_delimited(out: &mut Vec<u8>, tag: &[u8], payload: &[u8]) {
    out.extend_from_slice(tag);
    let mut n = payload.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(payload);
}

/// Reads a model of `len` bytes leaving every main-graph initializer's `raw_data` of at least
/// `min_len` bytes out, so weights are read only when a tensor is asked for. It streams and
/// seeks (a memory map would bring whole page-cache folios around each header into our resident
/// set). None when the file is not laid out plainly enough to do so safely (a repeated graph
/// or `raw_data` field, broken framing): then it is parsed whole.
pub fn strip_initializer_data<R: std::io::Read + std::io::Seek>(
    file: R,
    len: u64,
    min_len: u64,
) -> Option<Stripped> {
    let mut src = Source {
        r: std::io::BufReader::with_capacity(64 << 10, file),
        pos: 0,
        len,
    };
    let mut out = Vec::new();
    let mut raw = Vec::new();
    let mut seen_graph = false;
    while src.pos < len {
        let h = src.header()?;
        if h.number != MODEL_GRAPH {
            src.copy_field(&h, &mut out)?;
            continue;
        }
        if h.wire != LEN_DELIMITED || std::mem::replace(&mut seen_graph, true) {
            return None;
        }
        let (_, end) = src.payload()?;
        let graph = strip_graph(&mut src, end, min_len, &mut raw)?;
        put_len_delimited(&mut out, &h.tag, &graph);
    }
    Some(Stripped { bytes: out, raw })
}

fn strip_graph<R: std::io::Read + std::io::Seek>(
    src: &mut Source<R>,
    end: u64,
    min_len: u64,
    raw: &mut Vec<Option<ByteRange>>,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(4096);
    while src.pos < end {
        let h = src.header()?;
        if h.number != GRAPH_INITIALIZER || h.wire != LEN_DELIMITED {
            src.copy_field(&h, &mut out)?;
        } else {
            let (_, tensor_end) = src.payload()?;
            let (tensor, range) = strip_tensor(src, tensor_end, min_len)?;
            raw.push(range);
            put_len_delimited(&mut out, &h.tag, &tensor);
        }
        if src.pos > end {
            return None;
        }
    }
    Some(out)
}

fn strip_tensor<R: std::io::Read + std::io::Seek>(
    src: &mut Source<R>,
    end: u64,
    min_len: u64,
) -> Option<(Vec<u8>, Option<ByteRange>)> {
    let mut out = Vec::new();
    let (mut range, mut raw_fields) = (None, 0);
    while src.pos < end {
        let h = src.header()?;
        if h.number == TENSOR_RAW_DATA && h.wire == LEN_DELIMITED {
            raw_fields += 1;
            let mut prefix = Vec::new();
            let n = src.varint(&mut prefix)?;
            if n >= min_len {
                range = Some(ByteRange {
                    offset: src.pos,
                    len: n,
                });
                src.skip(n)?;
            } else {
                out.extend_from_slice(&h.tag);
                out.extend_from_slice(&prefix);
                src.take(n, &mut out)?;
            }
        } else {
            src.copy_field(&h, &mut out)?;
        }
        if src.pos > end {
            return None;
        }
    }
    // A repeated raw_data field means "last one wins": parse such a tensor whole.
    if raw_fields > 1 {
        return None;
    }
    Some((out, range))
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
    use onnx_protobuf::{GraphProto, Message, ModelProto, TensorProto};

    #[test]
    fn stripped_weights_stay_in_the_file_and_the_rest_parses_the_same() {
        let mut g = GraphProto::new();
        g.name = "g".into();
        for (name, len) in [("big", 5000usize), ("small", 8), ("typed", 0)] {
            let mut t = TensorProto::new();
            t.name = name.into();
            t.data_type = 2;
            t.dims = vec![len as i64];
            t.raw_data = (0..len).map(|i| (i % 251) as u8).collect();
            if len == 0 {
                t.int32_data = vec![1, 2, 3];
            }
            g.initializer.push(t);
        }
        let mut m = ModelProto::new();
        m.ir_version = 9;
        m.graph = protobuf::MessageField::some(g);
        let file = m.write_to_bytes().unwrap();

        let strip = |b: &[u8]| {
            strip_initializer_data(std::io::Cursor::new(b.to_vec()), b.len() as u64, 1024)
        };
        let s = strip(&file).expect("a plain model strips");
        let parsed = ModelProto::parse_from_bytes(&s.bytes).unwrap();
        let inits = &parsed.graph.initializer;
        assert_eq!(s.raw.len(), 3);
        let big = s.raw[0].expect("the big payload is left in the file");
        let at = big.offset as usize;
        assert_eq!(
            &file[at..at + big.len as usize],
            &m.graph.initializer[0].raw_data[..]
        );
        assert!(inits[0].raw_data.is_empty());
        assert_eq!(
            (s.raw[1], &inits[1].raw_data),
            (None, &m.graph.initializer[1].raw_data)
        );
        assert_eq!(inits[2].int32_data, vec![1, 2, 3]);
        // Everything but the stripped payload is as it was.
        let mut expected = m.clone();
        expected.graph.as_mut().unwrap().initializer[0]
            .raw_data
            .clear();
        assert_eq!(parsed, expected);
        assert!(s.bytes.len() < file.len() - 4900);

        // A truncated file is not stripped (the whole parse reports it).
        assert!(strip(&file[..file.len() - 100]).is_none());
    }

    #[test]
    fn truncated_length_delimited_field_is_caught() {
        // field 7 (graph), wire type 2, length 10, but only 3 bytes follow.
        assert!(check_top_level(&[0x3a, 10, 1, 2, 3]).is_err());
        assert!(check_top_level(&[0x3a, 3, 1, 2, 3]).is_ok());
        assert!(check_top_level(&[0x08, 0x80]).is_err(), "varint cut off");
        assert!(check_top_level(&[0x0b]).is_err(), "group wire type");
    }
}
