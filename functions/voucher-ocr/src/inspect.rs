//! What the file itself says, before any OCR: its kind (magic bytes, never the name or the declared
//! content type), a perceptual hash of the picture, and editing software named in its metadata.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use image_hasher::{HashAlg, HasherConfig, ImageHash};

/// The files a voucher may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
}

impl FileKind {
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }
}

/// The kind by magic bytes: JPEG `FF D8 FF`, PNG `89 50 4E 47`, PDF `%PDF-`.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(&[0x89, 0x50, 0x4E, 0x47]) {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else {
        None
    }
}

/// Programs whose name in a voucher's metadata means it was edited, not just photographed.
const EDITORS: &[&str] = &[
    "photoshop",
    "gimp",
    "canva",
    "picsart",
    "snapseed",
    "lightroom",
    "pixelmator",
    "affinity photo",
    "paint.net",
    "photopea",
    "pixlr",
    "fotor",
    "krita",
    "illustrator",
    "photodirector",
    "meitu",
    "facetune",
    "polarr",
];

/// Findings of editing software kept per file: a file naming its editor 4,000 times says no more
/// than one naming it once, and a voucher item must stay far under DynamoDB's 400 KB.
pub const MAX_FINDINGS: usize = 5;

/// Where the program's name was found and what it said, e.g.
/// `("EXIF Software", "Adobe Photoshop 25.0 (Windows)")`, for each editor named (each place and
/// value once, at most [`MAX_FINDINGS`], values cut to 80 characters).
pub fn editing_software(bytes: &[u8], kind: FileKind) -> Vec<(&'static str, String)> {
    let found = match kind {
        FileKind::Jpeg => jpeg_metadata(bytes),
        FileKind::Png => png_metadata(bytes),
        FileKind::Pdf => Vec::new(),
    };
    found
        .into_iter()
        .filter(|(_, value)| {
            let lower = value.to_lowercase();
            EDITORS.iter().any(|e| lower.contains(e))
        })
        .map(|(place, value)| (place, value.chars().take(80).collect::<String>()))
        .fold(Vec::new(), |mut kept, finding| {
            if kept.len() < MAX_FINDINGS && !kept.contains(&finding) {
                kept.push(finding);
            }
            kept
        })
}

/// Metadata values of a JPEG: the APP1 segments (EXIF, XMP) before the image data.
fn jpeg_metadata(bytes: &[u8]) -> Vec<(&'static str, String)> {
    const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    let mut out = Vec::new();
    let mut i = 2;
    // A bounded walk: a JPEG has a handful of segments before its image data.
    for _ in 0..64 {
        if i + 4 > bytes.len() || bytes[i] != 0xFF {
            break;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        // Start of scan or end of image: no metadata after this point.
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = (i + 2 + len).min(bytes.len());
        let payload = bytes.get(i + 4..end).unwrap_or_default();
        if marker == 0xE1 {
            if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                out.extend(exif_software(tiff));
            } else if let Some(xmp) = payload.strip_prefix(XMP) {
                out.extend(xmp_tools(&String::from_utf8_lossy(xmp)));
            }
        }
        i = end;
    }
    out
}

/// Metadata values of a PNG: `tEXt`/`iTXt` `Software`, XMP in `iTXt`, EXIF in `eXIf`.
fn png_metadata(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut i = 8;
    for _ in 0..4096 {
        let Some(header) = bytes.get(i..i + 8) else {
            break;
        };
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let Some(data) = bytes.get(i + 8..(i + 8).saturating_add(len)) else {
            break;
        };
        match kind {
            b"tEXt" => {
                if let Some((keyword, text)) = split_nul(data) {
                    if is_software_keyword(keyword) {
                        // tEXt is Latin-1: every byte is the character of that code.
                        out.push((
                            "PNG tEXt Software",
                            text.iter().map(|&b| char::from(b)).collect(),
                        ));
                    }
                }
            }
            b"iTXt" => out.extend(itxt(data)),
            b"eXIf" => out.extend(exif_software(data)),
            b"IEND" => break,
            _ => {}
        }
        i += 12 + len;
    }
    out
}

fn is_software_keyword(keyword: &[u8]) -> bool {
    keyword.eq_ignore_ascii_case(b"Software")
}

fn split_nul(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = data.iter().position(|&b| b == 0)?;
    Some((&data[..at], &data[at + 1..]))
}

/// An uncompressed `iTXt` chunk: `keyword\0 flag method lang\0 translated\0 text`.
fn itxt(data: &[u8]) -> Vec<(&'static str, String)> {
    let Some((keyword, rest)) = split_nul(data) else {
        return Vec::new();
    };
    // Compressed text (flag 1) is rare for these keys; it is not inflated here.
    let [0, _, rest @ ..] = rest else {
        return Vec::new();
    };
    let Some((_lang, rest)) = split_nul(rest) else {
        return Vec::new();
    };
    let Some((_translated, text)) = split_nul(rest) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(text);
    if keyword == b"XML:com.adobe.xmp" {
        xmp_tools(&text)
    } else if is_software_keyword(keyword) {
        vec![("PNG iTXt Software", text.into_owned())]
    } else {
        Vec::new()
    }
}

/// EXIF `Software` (and `ProcessingSoftware`) of the primary image, from a TIFF structure.
fn exif_software(tiff: &[u8]) -> Vec<(&'static str, String)> {
    let Ok(exif) = exif::Reader::new().read_raw(tiff.to_vec()) else {
        return Vec::new();
    };
    [
        (exif::Tag::Software, "EXIF Software"),
        // ProcessingSoftware (0x000B), which kamadak-exif does not name.
        (
            exif::Tag(exif::Context::Tiff, 0x000B),
            "EXIF ProcessingSoftware",
        ),
    ]
    .into_iter()
    .filter_map(|(tag, place)| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        match &field.value {
            exif::Value::Ascii(parts) => Some((
                place,
                parts
                    .iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            _ => None,
        }
    })
    .collect()
}

/// XMP `CreatorTool` and the history's `softwareAgent`, as attributes or elements.
fn xmp_tools(xmp: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (name, place) in [
        ("CreatorTool", "XMP CreatorTool"),
        ("softwareAgent", "XMP softwareAgent"),
    ] {
        let mut rest = xmp;
        for _ in 0..32 {
            let Some(at) = rest.find(name) else { break };
            rest = &rest[at + name.len()..];
            let value = if let Some(attr) = rest.strip_prefix("=\"") {
                attr.split('"').next()
            } else if let Some(elem) = rest.strip_prefix('>') {
                elem.split('<').next()
            } else {
                None
            };
            if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                out.push((place, v.to_string()));
            }
        }
    }
    out
}

/// Textract reads images of at most this many pixels a side (its set quotas): a larger one is
/// refused before anything decodes it.
pub const MAX_SIDE: u32 = 10_000;
/// Images decoded for their perceptual hash: at most this many pixels (a 40-megapixel photo),
/// so one file cannot hold a worker for seconds.
pub const MAX_DECODED_PIXELS: u64 = 40_000_000;

fn image_format(kind: FileKind) -> Option<ImageFormat> {
    match kind {
        FileKind::Jpeg => Some(ImageFormat::Jpeg),
        FileKind::Png => Some(ImageFormat::Png),
        FileKind::Pdf => None,
    }
}

/// The image's width and height from its header alone (nothing is decoded); `None` for a PDF or
/// a header that does not parse.
pub fn dimensions(bytes: &[u8], kind: FileKind) -> Option<(u32, u32)> {
    ImageReader::with_format(Cursor::new(bytes), image_format(kind)?)
        .into_dimensions()
        .ok()
}

/// What the file's bytes say before any OCR.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Why no OCR should read it (the voucher is then rejected as unreadable).
    pub refused: Option<String>,
    pub perceptual_hash: Option<String>,
    /// Why an image has no perceptual hash.
    pub unhashed: Option<String>,
    /// Editing software named in the metadata ([`editing_software`]).
    pub edited: Vec<(&'static str, String)>,
}

/// Inspects a file of `kind`: its size from the header first, then its metadata and perceptual
/// hash. CPU-bound: callers run it on the blocking pool.
pub fn inspect(bytes: &[u8], kind: FileKind) -> Inspection {
    if !kind.is_image() {
        return Inspection::default();
    }
    let edited = editing_software(bytes, kind);
    let Some((width, height)) = dimensions(bytes, kind) else {
        return Inspection {
            unhashed: Some("the image's header could not be read".into()),
            edited,
            ..Inspection::default()
        };
    };
    if width > MAX_SIDE || height > MAX_SIDE {
        return Inspection {
            refused: Some(format!(
                "the image is {width}×{height} pixels; the OCR reads at most {MAX_SIDE} a side"
            )),
            edited,
            ..Inspection::default()
        };
    }
    if u64::from(width) * u64::from(height) > MAX_DECODED_PIXELS {
        return Inspection {
            unhashed: Some(format!(
                "the image is {width}×{height} pixels, more than the {} million decoded for a perceptual hash",
                MAX_DECODED_PIXELS / 1_000_000
            )),
            edited,
            ..Inspection::default()
        };
    }
    let perceptual_hash = perceptual_hash(bytes, kind);
    Inspection {
        unhashed: perceptual_hash
            .is_none()
            .then(|| "the image could not be decoded for its perceptual hash".into()),
        perceptual_hash,
        edited,
        refused: None,
    }
}

/// The perceptual hash of an image, tagged with its algorithm (`g16:` = 16×16 gradient hash):
/// near-identical pictures differ in few bits. `None` when the image cannot be decoded.
pub fn perceptual_hash(bytes: &[u8], kind: FileKind) -> Option<String> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(kind)?);
    // A 10 MiB file can claim an enormous canvas: bound what decoding may allocate.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(384 * 1024 * 1024);
    reader.limits(limits);
    let picture = reader.decode().ok()?;
    let hasher = HasherConfig::new()
        .hash_alg(HashAlg::Gradient)
        .hash_size(16, 16)
        .to_hasher();
    Some(format!(
        "{HASH_TAG}{}",
        hasher.hash_image(&picture).to_base64()
    ))
}

const HASH_TAG: &str = "g16:";

/// Bits that differ between two hashes of the same algorithm; `None` when they cannot be compared.
pub fn hash_distance(a: &str, b: &str) -> Option<u32> {
    let a = ImageHash::<Box<[u8]>>::from_base64(a.strip_prefix(HASH_TAG)?).ok()?;
    let b = ImageHash::<Box<[u8]>>::from_base64(b.strip_prefix(HASH_TAG)?).ok()?;
    (a.as_bytes().len() == b.as_bytes().len()).then(|| a.dist(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn voucher_like(shade: u8) -> RgbImage {
        RgbImage::from_fn(300, 400, |x, y| {
            if (y / 40) % 2 == 0 && x > 30 && x < 30 + (y % 250) {
                Rgb([shade, shade, shade])
            } else {
                Rgb([250, 250, 250])
            }
        })
    }

    #[test]
    fn kinds_come_from_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Some(FileKind::Png));
        assert_eq!(sniff(b"%PDF-1.4"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn finds_editors_in_xmp_and_png_text() {
        let xmp = r#"<x:xmpmeta><rdf:Description xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)">
            <stEvt:softwareAgent>Canva</stEvt:softwareAgent></rdf:Description></x:xmpmeta>"#;
        let tools = xmp_tools(xmp);
        assert_eq!(
            tools[0],
            ("XMP CreatorTool", "Adobe Photoshop 25.0 (Windows)".into())
        );
        assert_eq!(tools[1], ("XMP softwareAgent", "Canva".into()));

        // A JPEG with only an XMP APP1 segment.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let payload = [&b"http://ns.adobe.com/xap/1.0/\0"[..], xmp.as_bytes()].concat();
        jpeg.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        jpeg.extend(&payload);
        jpeg.extend([0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        let found = editing_software(&jpeg, FileKind::Jpeg);
        assert_eq!(found.len(), 2, "{found:?}");

        // A camera's own software is no signal.
        assert!(xmp_tools(r#"xmp:CreatorTool="Android 14""#)
            .iter()
            .all(|(_, v)| !EDITORS.iter().any(|e| v.to_lowercase().contains(e))));
        assert!(editing_software(&png(&voucher_like(20)), FileKind::Png).is_empty());
    }

    #[test]
    fn near_identical_pictures_have_near_hashes() {
        let a = voucher_like(20);
        let mut edited = a.clone();
        for x in 200..240 {
            for y in 300..330 {
                edited.put_pixel(x, y, Rgb([20, 20, 20]));
            }
        }
        let other = RgbImage::from_fn(300, 400, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let ha = perceptual_hash(&png(&a), FileKind::Png).unwrap();
        let he = perceptual_hash(&png(&edited), FileKind::Png).unwrap();
        let ho = perceptual_hash(&png(&other), FileKind::Png).unwrap();
        assert!(ha.starts_with("g16:"));
        let near = hash_distance(&ha, &he).unwrap();
        let far = hash_distance(&ha, &ho).unwrap();
        assert!(near < far, "near {near}, far {far}");
        assert_eq!(hash_distance(&ha, &ha), Some(0));
        assert_eq!(hash_distance(&ha, "xyz"), None);
        assert_eq!(perceptual_hash(b"\x89PNG broken", FileKind::Png), None);
    }
}
