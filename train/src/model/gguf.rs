//! GGUF input: the single-file format of llama.cpp and Ollama, so a model people already have
//! can be trained (and exported as safetensors) without a conversion step elsewhere.
//!
//! This module reads the container (versions 2 and 3): the metadata (every value type,
//! arrays included), the tensor infos, the alignment, and dequantizes the tensors this crate
//! understands to f32: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K and Q6_K (block layouts as
//! GGML defines them). Any other type is an error naming it. The file is untrusted: every
//! count, length and offset is checked against the bytes that are there before it is used, so
//! a truncated or hostile file gives an error, never a panic or a huge allocation.
//!
//! [`super::gguf_model`] maps a parsed file to this crate's model, config and tokenizer.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Result, TrainError};

/// `GGUF` read as a little-endian u32.
const MAGIC: &[u8; 4] = b"GGUF";
/// Alignment of the tensor data when `general.alignment` is absent.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Dimensions a tensor may have (GGML's `GGML_MAX_DIMS`).
const MAX_DIMS: u32 = 4;

fn bad(msg: impl Into<String>) -> TrainError {
    TrainError::Checkpoint(format!("gguf: {}", msg.into()))
}

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    Str(String),
    Array(Vec<MetaValue>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl MetaValue {
    /// The value as an unsigned integer, when it is a non-negative integer of any width.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            MetaValue::U8(x) => Some(x.into()),
            MetaValue::U16(x) => Some(x.into()),
            MetaValue::U32(x) => Some(x.into()),
            MetaValue::U64(x) => Some(x),
            MetaValue::I8(x) => u64::try_from(x).ok(),
            MetaValue::I16(x) => u64::try_from(x).ok(),
            MetaValue::I32(x) => u64::try_from(x).ok(),
            MetaValue::I64(x) => u64::try_from(x).ok(),
            _ => None,
        }
    }

    /// The value as a float, when it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            MetaValue::F32(x) => Some(x.into()),
            MetaValue::F64(x) => Some(x),
            _ => self.as_u64().map(|x| x as f64).or(match *self {
                MetaValue::I8(x) => Some(x.into()),
                MetaValue::I16(x) => Some(x.into()),
                MetaValue::I32(x) => Some(x.into()),
                MetaValue::I64(x) => Some(x as f64),
                _ => None,
            }),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetaValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            MetaValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[MetaValue]> {
        match self {
            MetaValue::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// The GGML tensor types this reader knows by name (to dequantize, or to name in an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType(pub u32);

impl GgmlType {
    pub const F32: GgmlType = GgmlType(0);
    pub const F16: GgmlType = GgmlType(1);
    pub const Q4_0: GgmlType = GgmlType(2);
    pub const Q4_1: GgmlType = GgmlType(3);
    pub const Q8_0: GgmlType = GgmlType(8);
    pub const Q4_K: GgmlType = GgmlType(12);
    pub const Q5_K: GgmlType = GgmlType(13);
    pub const Q6_K: GgmlType = GgmlType(14);
    pub const BF16: GgmlType = GgmlType(30);

    /// GGML's name for the type.
    pub fn name(self) -> String {
        let known = [
            "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K",
            "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
            "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
            "BF16",
        ];
        match known.get(self.0 as usize) {
            Some(n) => n.to_string(),
            None => format!("type {}", self.0),
        }
    }

    /// (values per block, bytes per block) for the supported types; `None` otherwise.
    fn block(self) -> Option<(usize, usize)> {
        Some(match self {
            GgmlType::F32 => (1, 4),
            GgmlType::F16 | GgmlType::BF16 => (1, 2),
            GgmlType::Q4_0 => (32, 2 + 16),
            GgmlType::Q4_1 => (32, 2 + 2 + 16),
            GgmlType::Q8_0 => (32, 2 + 32),
            GgmlType::Q4_K => (256, 2 + 2 + 12 + 128),
            GgmlType::Q5_K => (256, 2 + 2 + 12 + 32 + 128),
            GgmlType::Q6_K => (256, 128 + 64 + 16 + 2),
            _ => return None,
        })
    }
}

/// Where one tensor is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// GGML order: `dims[0]` varies fastest (a row-major [out, in] matrix is `[in, out]`).
    pub dims: Vec<u64>,
    pub ty: GgmlType,
    /// Offset from the start of the data section.
    pub offset: u64,
}

impl TensorInfo {
    /// Number of values.
    pub fn numel(&self) -> Result<usize> {
        self.dims
            .iter()
            .try_fold(1usize, |n, &d| {
                usize::try_from(d).ok().and_then(|d| n.checked_mul(d))
            })
            .ok_or_else(|| {
                bad(format!(
                    "{}: dimensions {:?} overflow",
                    self.name, self.dims
                ))
            })
    }

    /// The shape in row-major order (slowest dimension first), as safetensors writes it.
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

/// A parsed GGUF file, its bytes kept for dequantizing tensors on demand.
pub struct Gguf {
    pub version: u32,
    pub metadata: BTreeMap<String, MetaValue>,
    pub tensors: Vec<TensorInfo>,
    bytes: Vec<u8>,
    data_start: usize,
}

/// A bounds-checked little-endian reader.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| bad(format!("truncated at byte {} (wanted {n} more)", self.pos)))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.arr()?))
    }

    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }

    /// A count read from the file, refused when even `min_size` bytes per item cannot fit in
    /// what is left (so a hostile count never drives an allocation).
    fn count(&mut self, what: &str, min_size: usize) -> Result<usize> {
        let n = self.u64()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_size) <= self.remaining() => Ok(n),
            _ => Err(bad(format!(
                "{what} count {n} does not fit in the {} bytes left",
                self.remaining()
            ))),
        }
    }

    fn string(&mut self) -> Result<String> {
        let n = self.count("string length", 1)?;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec())
            .map_err(|_| bad(format!("string at byte {} is not UTF-8", self.pos - n)))
    }

    fn value(&mut self, ty: u32, depth: usize) -> Result<MetaValue> {
        Ok(match ty {
            0 => MetaValue::U8(self.arr::<1>()?[0]),
            1 => MetaValue::I8(i8::from_le_bytes(self.arr()?)),
            2 => MetaValue::U16(u16::from_le_bytes(self.arr()?)),
            3 => MetaValue::I16(i16::from_le_bytes(self.arr()?)),
            4 => MetaValue::U32(self.u32()?),
            5 => MetaValue::I32(i32::from_le_bytes(self.arr()?)),
            6 => MetaValue::F32(f32::from_le_bytes(self.arr()?)),
            7 => match self.arr::<1>()?[0] {
                0 => MetaValue::Bool(false),
                1 => MetaValue::Bool(true),
                b => return Err(bad(format!("bool value {b}"))),
            },
            8 => MetaValue::Str(self.string()?),
            9 => {
                if depth > 8 {
                    return Err(bad("arrays nested more than 8 deep"));
                }
                let ety = self.u32()?;
                let n = self.count("array", 1)?;
                let mut v = Vec::with_capacity(n.min(1 << 20));
                for _ in 0..n {
                    v.push(self.value(ety, depth + 1)?);
                }
                MetaValue::Array(v)
            }
            10 => MetaValue::U64(self.u64()?),
            11 => MetaValue::I64(i64::from_le_bytes(self.arr()?)),
            12 => MetaValue::F64(f64::from_le_bytes(self.arr()?)),
            t => return Err(bad(format!("unknown metadata value type {t}"))),
        })
    }
}

impl Gguf {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
        Self::parse(bytes).map_err(|e| match e {
            TrainError::Checkpoint(m) => TrainError::Checkpoint(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Whether `path` starts with the GGUF magic (false when it cannot be read).
    pub fn sniff(path: &Path) -> bool {
        use std::io::Read;
        let mut m = [0u8; 4];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut m))
            .is_ok()
            && &m == MAGIC
    }

    /// Parses a whole file held in memory.
    pub fn parse(bytes: Vec<u8>) -> Result<Self> {
        let mut r = Reader { b: &bytes, pos: 0 };
        if r.take(4)? != MAGIC {
            return Err(bad("not a GGUF file (bad magic)"));
        }
        let version = r.u32()?;
        if !(2..=3).contains(&version) {
            return Err(bad(format!(
                "version {version} is not supported (2 and 3 are)"
            )));
        }
        // A tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes, a key/value at least 8 + 4 + 1.
        let n_tensors = r.count("tensor", 32)?;
        let n_kv = r.count("metadata", 13)?;
        let mut metadata = BTreeMap::new();
        for _ in 0..n_kv {
            let key = r.string()?;
            let ty = r.u32()?;
            let v = r.value(ty, 0)?;
            metadata.insert(key, v);
        }
        let mut tensors = Vec::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name = r.string()?;
            let nd = r.u32()?;
            if nd == 0 || nd > MAX_DIMS {
                return Err(bad(format!("{name}: {nd} dimensions")));
            }
            let dims = (0..nd).map(|_| r.u64()).collect::<Result<Vec<_>>>()?;
            let ty = GgmlType(r.u32()?);
            let offset = r.u64()?;
            tensors.push(TensorInfo {
                name,
                dims,
                ty,
                offset,
            });
        }
        let alignment = match metadata.get("general.alignment") {
            None => DEFAULT_ALIGNMENT,
            Some(v) => v
                .as_u64()
                .filter(|a| *a > 0 && a.is_power_of_two())
                .ok_or_else(|| bad(format!("general.alignment {v:?} is not a power of two")))?,
        };
        let pos = r.pos as u64;
        let data_start = usize::try_from(pos.div_ceil(alignment) * alignment)
            .map_err(|_| bad("data offset overflows"))?;
        if data_start > bytes.len() {
            return Err(bad("truncated before the tensor data"));
        }
        let g = Gguf {
            version,
            metadata,
            tensors,
            bytes,
            data_start,
        };
        for t in &g.tensors {
            if !t.offset.is_multiple_of(alignment) {
                return Err(bad(format!(
                    "{}: offset {} is not aligned",
                    t.name, t.offset
                )));
            }
            if let Some((per, _)) = t.ty.block() {
                if !t.dims[0].is_multiple_of(per as u64) {
                    return Err(bad(format!(
                        "{}: row of {} values is not a whole number of {} blocks",
                        t.name,
                        t.dims[0],
                        t.ty.name()
                    )));
                }
                g.raw(t)?;
            }
        }
        Ok(g)
    }

    /// A metadata value by key.
    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.metadata.get(key)
    }

    /// A tensor's info by name.
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The bytes of a tensor of a supported type.
    fn raw(&self, t: &TensorInfo) -> Result<&[u8]> {
        let (per, size) = t.ty.block().ok_or_else(|| {
            bad(format!(
                "{}: tensor type {} is not supported (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, \
                 Q5_K and Q6_K are)",
                t.name,
                t.ty.name()
            ))
        })?;
        let n = t.numel()?;
        let len = (n / per)
            .checked_mul(size)
            .ok_or_else(|| bad(format!("{}: size overflows", t.name)))?;
        let start = usize::try_from(t.offset)
            .ok()
            .and_then(|o| o.checked_add(self.data_start));
        start
            .and_then(|s| s.checked_add(len).map(|e| (s, e)))
            .and_then(|(s, e)| self.bytes.get(s..e))
            .ok_or_else(|| bad(format!("{}: data runs past the end of the file", t.name)))
    }

    /// A tensor's values as f32, in row-major order ([`TensorInfo::shape`]).
    pub fn tensor_f32(&self, t: &TensorInfo) -> Result<Vec<f32>> {
        let n = t.numel()?;
        let raw = self.raw(t)?;
        let mut out = vec![0f32; n];
        dequantize(t.ty, raw, &mut out)?;
        Ok(out)
    }
}

fn f16(b: &[u8]) -> f32 {
    half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()
}

/// Dequantizes `raw` (whole blocks of type `ty`) into `out` (block count × block size values).
pub fn dequantize(ty: GgmlType, raw: &[u8], out: &mut [f32]) -> Result<()> {
    let (per, size) = ty
        .block()
        .ok_or_else(|| bad(format!("tensor type {} is not supported", ty.name())))?;
    if !raw.len().is_multiple_of(size) || raw.len() / size * per != out.len() {
        return Err(bad(format!(
            "{}: {} bytes for {} values",
            ty.name(),
            raw.len(),
            out.len()
        )));
    }
    let blocks = raw.chunks_exact(size).zip(out.chunks_exact_mut(per));
    match ty {
        GgmlType::F32 => {
            blocks.for_each(|(b, y)| y[0] = f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
        GgmlType::F16 => blocks.for_each(|(b, y)| y[0] = f16(b)),
        GgmlType::BF16 => blocks.for_each(|(b, y)| {
            y[0] = half::bf16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()
        }),
        GgmlType::Q8_0 => blocks.for_each(|(b, y)| {
            let d = f16(b);
            for (y, &q) in y.iter_mut().zip(&b[2..34]) {
                *y = d * f32::from(q as i8);
            }
        }),
        GgmlType::Q4_0 => blocks.for_each(|(b, y)| {
            let d = f16(b);
            let (lo, hi) = y.split_at_mut(16);
            for (j, &q) in b[2..18].iter().enumerate() {
                lo[j] = d * (f32::from(q & 0x0F) - 8.0);
                hi[j] = d * (f32::from(q >> 4) - 8.0);
            }
        }),
        GgmlType::Q4_1 => blocks.for_each(|(b, y)| {
            let (d, m) = (f16(b), f16(&b[2..]));
            let (lo, hi) = y.split_at_mut(16);
            for (j, &q) in b[4..20].iter().enumerate() {
                lo[j] = d * f32::from(q & 0x0F) + m;
                hi[j] = d * f32::from(q >> 4) + m;
            }
        }),
        GgmlType::Q4_K => blocks.for_each(|(b, y)| q4_k(b, y)),
        GgmlType::Q5_K => blocks.for_each(|(b, y)| q5_k(b, y)),
        GgmlType::Q6_K => blocks.for_each(|(b, y)| q6_k(b, y)),
        _ => unreachable_type(ty)?,
    }
    Ok(())
}

fn unreachable_type(ty: GgmlType) -> Result<()> {
    Err(bad(format!("tensor type {} is not supported", ty.name())))
}

/// Scale and min of sub-block `j` (0..8) from the 12 packed bytes of a Q4_K/Q5_K block:
/// 6 bits each; sub-blocks 4..8 keep their low 4 bits in bytes 8..12 and their top 2 bits in
/// the top bits of bytes 0..8.
fn scale_min_k4(j: usize, s: &[u8]) -> (f32, f32) {
    let (sc, m) = if j < 4 {
        (s[j] & 63, s[j + 4] & 63)
    } else {
        (
            (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4),
            (s[j + 4] >> 4) | ((s[j] >> 6) << 4),
        )
    };
    (f32::from(sc), f32::from(m))
}

/// Q4_K: d, dmin (f16), 12 bytes of scales/mins, 128 bytes of 4-bit quants; 8 sub-blocks of
/// 32 values, `x = d·scale·q − dmin·min`. Each 32 bytes of quants hold two sub-blocks: the low
/// nibbles the first, the high nibbles the second.
fn q4_k(b: &[u8], y: &mut [f32]) {
    let (d, dmin) = (f16(b), f16(&b[2..]));
    let scales = &b[4..16];
    let qs = &b[16..144];
    for (c, (q, y)) in qs.chunks_exact(32).zip(y.chunks_exact_mut(64)).enumerate() {
        let (s1, m1) = scale_min_k4(2 * c, scales);
        let (s2, m2) = scale_min_k4(2 * c + 1, scales);
        let (lo, hi) = y.split_at_mut(32);
        for l in 0..32 {
            lo[l] = d * s1 * f32::from(q[l] & 0x0F) - dmin * m1;
            hi[l] = d * s2 * f32::from(q[l] >> 4) - dmin * m2;
        }
    }
}

/// Q5_K: as Q4_K with a fifth bit per value from 32 bytes of high bits: sub-block `k` takes
/// bit `k` of `qh[l]`.
fn q5_k(b: &[u8], y: &mut [f32]) {
    let (d, dmin) = (f16(b), f16(&b[2..]));
    let scales = &b[4..16];
    let qh = &b[16..48];
    let qs = &b[48..176];
    for (c, (q, y)) in qs.chunks_exact(32).zip(y.chunks_exact_mut(64)).enumerate() {
        let (s1, m1) = scale_min_k4(2 * c, scales);
        let (s2, m2) = scale_min_k4(2 * c + 1, scales);
        let (u1, u2) = (1u8 << (2 * c), 1u8 << (2 * c + 1));
        let (lo, hi) = y.split_at_mut(32);
        for l in 0..32 {
            let h1 = if qh[l] & u1 != 0 { 16 } else { 0 };
            let h2 = if qh[l] & u2 != 0 { 16 } else { 0 };
            lo[l] = d * s1 * f32::from((q[l] & 0x0F) + h1) - dmin * m1;
            hi[l] = d * s2 * f32::from((q[l] >> 4) + h2) - dmin * m2;
        }
    }
}

/// Q6_K: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed 8-bit scales (one
/// per 16 values), then d (f16); `x = d·scale·(q − 32)`. Each half of 128 values uses 64 low
/// bytes and 32 high bytes: value `l + 32·k` (k = 0..4) takes nibble `k / 2` of byte
/// `l + 32·(k % 2)` and bits `2k..2k+2` of `qh[l]`.
fn q6_k(b: &[u8], y: &mut [f32]) {
    let d = f16(&b[208..]);
    let sc = &b[192..208];
    for (half, y) in y.chunks_exact_mut(128).enumerate() {
        let ql = &b[64 * half..64 * half + 64];
        let qh = &b[128 + 32 * half..128 + 32 * half + 32];
        let sc = &sc[8 * half..8 * half + 8];
        for l in 0..32 {
            let is = l / 16;
            let q = [
                (ql[l] & 0x0F) | (qh[l] & 3) << 4,
                (ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4,
                (ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4,
                (ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4,
            ];
            for (k, &q) in q.iter().enumerate() {
                let s = f32::from(sc[is + 2 * k] as i8);
                y[l + 32 * k] = d * s * (f32::from(q) - 32.0);
            }
        }
    }
}
