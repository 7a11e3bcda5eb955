//! The receipt drawn as an image for Tesseract: each line in DejaVu Sans (Sans Mono for printed
//! tickets) scaled to fill its box, dark grey on white, then the whole page rotated by the
//! receipt's angle.
//!
//! OCR slips are simulated in text only: the image shows each line's clean text, as the paper
//! does, except lines whose value was deliberately damaged, which are drawn as their garbled text
//! (a picture cannot show legibly what the truth says is illegible).

// Geometry is floats: coordinates are page fractions and pixels, not money.
#![allow(clippy::float_arithmetic)]

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use ab_glyph::{FontVec, PxScale};
use image::{GrayImage, ImageFormat, Luma};
use imageproc::geometric_transformations::{rotate_about_center, Interpolation};

use crate::Receipt;

const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
/// Smallest line height in pixels: DejaVu's cap height is about 0.63 of it, so 46 px gives the
/// 28 px capitals Tesseract reads well.
const MIN_LINE_PX: f64 = 46.0;

/// Why a receipt could not be drawn.
#[derive(Debug)]
pub enum RenderError {
    /// The font file could not be read.
    Font {
        path: String,
        source: std::io::Error,
    },
    /// The file is not a TrueType font.
    NotAFont(String),
    /// PNG encoding failed.
    Encode(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Font { path, source } => {
                write!(f, "{path}: {source} (install Debian's fonts-dejavu-core)")
            }
            RenderError::NotAFont(path) => {
                write!(f, "{path} is not a TrueType font (fonts-dejavu-core)")
            }
            RenderError::Encode(e) => write!(f, "cannot encode the PNG: {e}"),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenderError::Font { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn load_font(path: &Path) -> Result<FontVec, RenderError> {
    let bytes = std::fs::read(path).map_err(|source| RenderError::Font {
        path: path.display().to_string(),
        source,
    })?;
    FontVec::try_from_vec(bytes).map_err(|_| RenderError::NotAFont(path.display().to_string()))
}

/// The receipt as a PNG: at least 1000 px wide (wider when its smallest text would be under
/// 46 px high, up to 2200 px), as tall as its aspect says.
pub fn render_png(r: &Receipt) -> Result<Vec<u8>, RenderError> {
    render_with_fonts(r, Path::new(FONT_DIR))
}

fn render_with_fonts(r: &Receipt, dir: &Path) -> Result<Vec<u8>, RenderError> {
    let sans = load_font(&dir.join("DejaVuSans.ttf"))?;
    let mono_path = dir.join("DejaVuSansMono.ttf");
    let mono = if r.monospace && mono_path.exists() {
        Some(load_font(&mono_path)?)
    } else {
        None
    };
    let font = mono.as_ref().unwrap_or(&sans);
    let min_h = r
        .lines
        .iter()
        .map(|l| l.height * r.aspect)
        .fold(f64::INFINITY, f64::min);
    let width = if min_h.is_finite() && min_h > 0.0 {
        (MIN_LINE_PX / min_h).clamp(1000.0, 2200.0).ceil()
    } else {
        1000.0
    };
    let height = (width * r.aspect).round().max(1.0);
    let (w_px, h_px) = (width as u32, height as u32);
    let mut img = GrayImage::from_pixel(w_px, h_px, Luma([255]));
    // Ink from near black to a faded thermal grey, fixed by the seed.
    let ink = Luma([20 + u8::try_from(r.seed % 50).unwrap_or(0)]);
    for line in &r.lines {
        let text = if line.damaged {
            &line.text
        } else {
            &line.clean
        };
        let box_w = line.width * width;
        let box_h = line.height * height;
        let mut scale = box_h as f32;
        let (tw, _) = imageproc::drawing::text_size(PxScale::from(scale), font, text);
        if f64::from(tw) > box_w * 1.02 && tw > 0 {
            scale *= (box_w / f64::from(tw)) as f32;
        }
        let x = (line.left * width).round() as i32;
        let y = (line.top * height).round() as i32;
        imageproc::drawing::draw_text_mut(&mut img, ink, x, y, PxScale::from(scale), font, text);
    }
    if r.angle_deg != 0.0 {
        img = rotate_about_center(
            &img,
            r.angle_deg.to_radians() as f32,
            Interpolation::Bilinear,
            Luma([255]),
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
    fn a_missing_font_is_a_clear_error() {
        let r = crate::generate(1);
        let err = render_with_fonts(&r, Path::new("/nonexistent")).unwrap_err();
        assert!(err.to_string().contains("fonts-dejavu-core"), "{err}");
    }
}
