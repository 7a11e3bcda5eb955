//! Voucher images for the local platform's demo and end-to-end tests: lines of text drawn black on
//! white in DejaVu Sans (Debian's `fonts-dejavu-core`), as a phone photo of a clean receipt would
//! give them to OCR.

use std::io::Cursor;
use std::path::Path;

use ab_glyph::{FontVec, PxScale};
use image::{ImageFormat, Rgb, RgbImage};

pub const DEJAVU_SANS: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: {source} (infra/install-deps installs fonts-dejavu-core)")]
    Font {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not a TrueType font")]
    NotAFont(String),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

/// A PNG with `lines`, one per row, in DejaVu Sans.
pub fn voucher_png(lines: &[&str]) -> Result<Vec<u8>, RenderError> {
    voucher_png_with_font(Path::new(DEJAVU_SANS), lines)
}

pub fn voucher_png_with_font(font: &Path, lines: &[&str]) -> Result<Vec<u8>, RenderError> {
    let bytes = std::fs::read(font).map_err(|source| RenderError::Font {
        path: font.display().to_string(),
        source,
    })?;
    let font = FontVec::try_from_vec(bytes)
        .map_err(|_| RenderError::NotAFont(font.display().to_string()))?;
    let rows = u32::try_from(lines.len()).unwrap_or(u32::MAX).min(200);
    let mut img = RgbImage::from_pixel(1000, 120 + 70 * rows, Rgb([255, 255, 255]));
    for (i, line) in lines.iter().take(200).enumerate() {
        let y = 60 + 70 * i32::try_from(i).unwrap_or(0);
        imageproc::drawing::draw_text_mut(
            &mut img,
            Rgb([20, 20, 20]),
            60,
            y,
            PxScale::from(40.0),
            &font,
            line,
        );
    }
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png)
        .map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(png.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_png_one_row_per_line() {
        let png = voucher_png(&["CODIGO CIP: 12345678", "IMPORTE: S/ 150.00"]).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (1000, 120 + 140));
        // Text was drawn: some pixels are dark.
        assert!(img.to_rgb8().pixels().any(|p| p.0[0] < 100));
    }

    #[test]
    fn a_missing_font_is_a_clear_error() {
        let err = voucher_png_with_font(Path::new("/nonexistent.ttf"), &["x"]).unwrap_err();
        assert!(err.to_string().contains("fonts-dejavu-core"), "{err}");
    }
}
