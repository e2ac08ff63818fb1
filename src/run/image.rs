//! Photos as model inputs, preprocessed the way export tutorials do (torchvision's
//! Resize → CenterCrop → ToTensor → Normalize, OpenCV-style 0–255 BGR, YOLO letterbox).
//! Every step is a field of [`Preprocess`] so the user sees and edits what was done.

use std::fmt;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{Rgb, RgbImage};

use crate::model::types::Dim;
use crate::model::{DataType, Model, Tensor, TensorValues};

use super::inputs::InputSpec;

/// File endings read as images (the decoders compiled in).
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

pub fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    /// Keep the decoded size.
    None,
    /// Shorter side to S, the longer one scaled and truncated (torchvision `Resize(S)`).
    Shorter(u32),
    /// Exactly H×W, ignoring the aspect ratio.
    Exact { h: u32, w: u32 },
    /// Fit inside H×W keeping the aspect ratio, padded with grey 114 (Ultralytics LetterBox).
    Letterbox { h: u32, w: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Nchw,
    Nhwc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    Rgb,
    Bgr,
}

/// The named starting points; every field stays editable afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// torchvision ImageNet: Resize(256) → CenterCrop(224) → /255 → mean/std.
    Imagenet,
    /// Resize to the input's size, /255, no normalisation.
    Unit,
    /// Resize to the input's size, 0–255, BGR (models trained on OpenCV's `imread`).
    Bgr255,
    /// Letterbox to the input's size, /255 (Ultralytics YOLO).
    Yolo,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Imagenet, Preset::Unit, Preset::Bgr255, Preset::Yolo];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Imagenet => "imagenet",
            Preset::Unit => "unit",
            Preset::Bgr255 => "bgr255",
            Preset::Yolo => "yolo",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Preset::Imagenet => "ImageNet / torchvision",
            Preset::Unit => "0–1, no normalisation",
            Preset::Bgr255 => "0–255 BGR (OpenCV)",
            Preset::Yolo => "YOLO letterbox",
        }
    }

    pub fn parse(text: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == text)
    }
}

pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// How a photo becomes a tensor: resize, center crop, channel order, value range, mean/std,
/// layout and element type, in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocess {
    pub preset: Option<Preset>,
    pub resize: Resize,
    /// Center crop to H×W after the resize.
    pub crop: Option<(u32, u32)>,
    pub layout: Layout,
    pub order: ChannelOrder,
    /// Pixel values divided by 255 (0–1) rather than kept 0–255.
    pub unit_range: bool,
    /// Subtracted, then divided by `std`, per channel in the fed order and in the value range
    /// above (ImageNet's are for 0–1 RGB).
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// None: the input's declared element type.
    pub dtype: Option<DataType>,
}

/// Where the image dims of an input sit, and their fixed sizes when declared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageInput {
    pub layout: Layout,
    pub height: Option<u32>,
    pub width: Option<u32>,
    pub batch: Option<u32>,
}

fn fixed(d: &Dim) -> Option<u32> {
    match d {
        Dim::Value(v) if *v > 0 => u32::try_from(*v).ok(),
        _ => None,
    }
}

/// An input of image-like shape: rank 4 with 3 channels at axis 1 (NCHW) or 3 (NHWC), of a
/// float or uint8 type.
pub fn image_input(spec: &InputSpec) -> Option<ImageInput> {
    let dims = spec.dims.as_ref()?;
    let dtype = spec.dtype?;
    if dims.len() != 4 || !(dtype.is_float() || dtype == DataType::Uint8) {
        return None;
    }
    let three = |d: &Dim| fixed(d) == Some(3);
    let (layout, h, w) = if three(&dims[1]) && !three(&dims[3]) {
        (Layout::Nchw, &dims[2], &dims[3])
    } else if three(&dims[3]) {
        (Layout::Nhwc, &dims[1], &dims[2])
    } else if three(&dims[1]) {
        (Layout::Nchw, &dims[2], &dims[3])
    } else {
        return None;
    };
    Some(ImageInput {
        layout,
        height: fixed(h),
        width: fixed(w),
        batch: fixed(&dims[0]),
    })
}

impl Preprocess {
    /// A preset for an input: the target size is the input's fixed H×W, else the preset's
    /// customary size (ImageNet 224, YOLO 640); the plain presets keep the photo's size when
    /// the input takes any.
    pub fn preset(preset: Preset, input: Option<ImageInput>) -> Preprocess {
        let layout = input.map_or(Layout::Nchw, |i| i.layout);
        let default_side = if preset == Preset::Yolo { 640 } else { 224 };
        let h = input.and_then(|i| i.height).unwrap_or(default_side);
        let w = input.and_then(|i| i.width).unwrap_or(h);
        // A model that takes any height and width gets the photo at its own size.
        let any_size = input.is_some_and(|i| i.height.is_none() && i.width.is_none());
        let plain = Preprocess {
            preset: Some(preset),
            resize: if any_size {
                Resize::None
            } else {
                Resize::Exact { h, w }
            },
            crop: None,
            layout,
            order: ChannelOrder::Rgb,
            unit_range: true,
            mean: [0.0; 3],
            std: [1.0; 3],
            dtype: None,
        };
        match preset {
            Preset::Imagenet => Preprocess {
                // torchvision's 256 → 224, scaled for other crop sizes.
                resize: Resize::Shorter((h.min(w) as f64 * 256.0 / 224.0).round() as u32),
                crop: Some((h, w)),
                mean: IMAGENET_MEAN,
                std: IMAGENET_STD,
                ..plain
            },
            Preset::Unit => plain,
            Preset::Bgr255 => Preprocess {
                order: ChannelOrder::Bgr,
                unit_range: false,
                ..plain
            },
            Preset::Yolo => Preprocess {
                resize: Resize::Letterbox { h, w },
                ..plain
            },
        }
    }

    /// What a user of this input most likely wants: YOLO when the metadata is Ultralytics',
    /// 0–255 for uint8 inputs, ImageNet for float NCHW, 0–1 for float NHWC.
    pub fn guess(model: &Model, spec: &InputSpec) -> Preprocess {
        let input = image_input(spec);
        let meta: Vec<&str> = model
            .proto
            .metadata_props
            .iter()
            .map(|p| p.key.as_str())
            .collect();
        let preset = if meta.contains(&"stride") && meta.contains(&"names") {
            Preset::Yolo
        } else if spec.dtype == Some(DataType::Uint8)
            || input.is_some_and(|i| i.layout == Layout::Nhwc)
        {
            Preset::Unit
        } else {
            Preset::Imagenet
        };
        let mut p = Preprocess::preset(preset, input);
        if spec.dtype == Some(DataType::Uint8) {
            p.unit_range = false;
        }
        p
    }
}

impl fmt::Display for Preprocess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = self.preset {
            parts.push(format!("{} preset", p.name()));
        }
        match self.resize {
            Resize::None => {}
            Resize::Shorter(s) => parts.push(format!("resize shorter side to {s}")),
            Resize::Exact { h, w } => parts.push(format!("resize to {h}×{w}")),
            Resize::Letterbox { h, w } => parts.push(format!("letterbox to {h}×{w}")),
        }
        if let Some((h, w)) = self.crop {
            parts.push(format!("center crop {h}×{w}"));
        }
        parts.push(format!(
            "{} {}",
            match self.order {
                ChannelOrder::Rgb => "RGB",
                ChannelOrder::Bgr => "BGR",
            },
            match self.layout {
                Layout::Nchw => "NCHW",
                Layout::Nhwc => "NHWC",
            }
        ));
        parts.push(if self.unit_range { "0–1" } else { "0–255" }.to_string());
        if self.mean != [0.0; 3] || self.std != [1.0; 3] {
            parts.push(format!("mean {:?} std {:?}", self.mean, self.std));
        }
        if let Some(d) = self.dtype {
            parts.push(d.name());
        }
        write!(f, "{}", parts.join(", "))
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read image {path}: {message}")]
    Decode { path: PathBuf, message: String },
    #[error("input '{input}' is not image-like (N×3×H×W or N×H×W×3, float or uint8): {why}")]
    NotImageInput { input: String, why: String },
    #[error("input '{input}': {what}")]
    Mismatch { input: String, what: String },
}

/// An image as it was fed (after resize and crop, before normalisation), for the UI to show.
#[derive(Debug, Clone)]
pub struct FedImage {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// The resize, crop and letterbox steps on one decoded image.
pub fn prepare(img: RgbImage, p: &Preprocess) -> RgbImage {
    let (w0, h0) = img.dimensions();
    let mut img = match p.resize {
        Resize::None => img,
        Resize::Shorter(s) => {
            // torchvision: the short side becomes S, the long one int(S * long / short).
            let (w, h) = if w0 <= h0 {
                (s, (s as u64 * h0 as u64 / w0.max(1) as u64) as u32)
            } else {
                ((s as u64 * w0 as u64 / h0.max(1) as u64) as u32, s)
            };
            image::imageops::resize(&img, w.max(1), h.max(1), FilterType::Triangle)
        }
        Resize::Exact { h, w } => image::imageops::resize(&img, w, h, FilterType::Triangle),
        Resize::Letterbox { h, w } => {
            let r = (h as f64 / h0 as f64).min(w as f64 / w0 as f64);
            let nw = ((w0 as f64 * r).round() as u32).clamp(1, w);
            let nh = ((h0 as f64 * r).round() as u32).clamp(1, h);
            let scaled = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
            let mut canvas = RgbImage::from_pixel(w, h, Rgb([114, 114, 114]));
            image::imageops::replace(
                &mut canvas,
                &scaled,
                ((w - nw) / 2) as i64,
                ((h - nh) / 2) as i64,
            );
            canvas
        }
    };
    if let Some((ch, cw)) = p.crop {
        let (w, h) = img.dimensions();
        if ch <= h && cw <= w {
            // torchvision rounds the offsets with Python's round (half to even).
            let top = ((h - ch) as f64 / 2.0).round_ties_even() as u32;
            let left = ((w - cw) as f64 / 2.0).round_ties_even() as u32;
            img = image::imageops::crop_imm(&img, left, top, cw, ch).to_image();
        } else {
            // Smaller than the crop: torchvision pads with zeros around the center.
            let mut canvas = RgbImage::new(cw, ch);
            image::imageops::replace(
                &mut canvas,
                &img,
                (cw as i64 - w as i64) / 2,
                (ch as i64 - h as i64) / 2,
            );
            img = canvas;
        }
    }
    img
}

/// Decodes and preprocesses `paths` into one batch for `spec` (one image per batch row).
pub fn load_images(
    spec: &InputSpec,
    paths: &[PathBuf],
    p: &Preprocess,
) -> Result<(Tensor, Vec<FedImage>), ImageError> {
    let not_image = |why: String| ImageError::NotImageInput {
        input: spec.name.clone(),
        why,
    };
    let dtype = p
        .dtype
        .or(spec.dtype)
        .ok_or_else(|| not_image("its element type is not declared".into()))?;
    let input = image_input(spec).ok_or_else(|| {
        not_image(match &spec.dims {
            Some(d) => {
                let dims: Vec<String> = d.iter().map(Dim::to_string).collect();
                format!("it is declared [{}]", dims.join(", "))
            }
            None => "it has no declared shape".into(),
        })
    })?;
    if let Some(b) = input.batch {
        if b as usize != paths.len() {
            return Err(ImageError::Mismatch {
                input: spec.name.clone(),
                what: format!("its batch is fixed at {b}, {} image(s) given", paths.len()),
            });
        }
    }
    let mut fed = Vec::with_capacity(paths.len());
    for path in paths {
        let decoded = image::ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .map_err(|e| e.to_string())
            .and_then(|r| r.decode().map_err(|e| e.to_string()))
            .map_err(|message| ImageError::Decode {
                path: path.clone(),
                message,
            })?;
        let img = prepare(decoded.to_rgb8(), p);
        fed.push(FedImage {
            path: path.clone(),
            width: img.width(),
            height: img.height(),
            rgb: img.into_raw(),
        });
    }
    let (w, h) = fed.first().map_or((0, 0), |f| (f.width, f.height));
    if let Some(f) = fed.iter().find(|f| (f.width, f.height) != (w, h)) {
        return Err(ImageError::Mismatch {
            input: spec.name.clone(),
            what: format!(
                "{} is {}×{} after preprocessing, {} is {h}×{w}: resize or crop them to one size",
                f.path.display(),
                f.height,
                f.width,
                fed[0].path.display()
            ),
        });
    }
    {
        let i = input;
        for (what, want, got) in [("height", i.height, h), ("width", i.width, w)] {
            if want.is_some_and(|v| v != got) {
                return Err(ImageError::Mismatch {
                    input: spec.name.clone(),
                    what: format!(
                        "its {what} is fixed at {}, the preprocessed image is {h}×{w}",
                        want.unwrap_or(0)
                    ),
                });
            }
        }
    }
    let (hw, n) = ((h * w) as usize, fed.len());
    let mut v = vec![0f32; n * 3 * hw];
    for (b, f) in fed.iter().enumerate() {
        for (px, rgb) in f.rgb.chunks_exact(3).enumerate() {
            for c in 0..3 {
                let src = match p.order {
                    ChannelOrder::Rgb => rgb[c],
                    ChannelOrder::Bgr => rgb[2 - c],
                };
                let x = if p.unit_range {
                    src as f32 / 255.0
                } else {
                    src as f32
                };
                let x = (x - p.mean[c]) / p.std[c];
                let at = match p.layout {
                    Layout::Nchw => (b * 3 + c) * hw + px,
                    Layout::Nhwc => (b * hw + px) * 3 + c,
                };
                v[at] = x;
            }
        }
    }
    let dims = match p.layout {
        Layout::Nchw => vec![n as u64, 3, h as u64, w as u64],
        Layout::Nhwc => vec![n as u64, h as u64, w as u64, 3],
    };
    let values = match dtype {
        DataType::Float => TensorValues::F32(v),
        DataType::Double => TensorValues::F64(v.into_iter().map(f64::from).collect()),
        DataType::Float16 => TensorValues::F16(v.into_iter().map(half::f16::from_f32).collect()),
        DataType::Uint8 => TensorValues::U8(
            v.into_iter()
                .map(|x| x.round().clamp(0.0, 255.0) as u8)
                .collect(),
        ),
        other => {
            return Err(not_image(format!(
                "cannot feed an image as {}",
                other.name()
            )))
        }
    };
    Ok((
        Tensor {
            name: spec.name.clone(),
            dtype,
            dims,
            values,
        },
        fed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dims: &[i64], dtype: DataType) -> InputSpec {
        InputSpec {
            name: "x".into(),
            dtype: Some(dtype),
            dims: Some(dims.iter().map(|&d| Dim::Value(d)).collect()),
        }
    }

    #[test]
    fn image_like_inputs_are_found_in_both_layouts() {
        let nchw = image_input(&spec(&[1, 3, 224, 224], DataType::Float)).unwrap();
        assert_eq!((nchw.layout, nchw.height), (Layout::Nchw, Some(224)));
        let nhwc = image_input(&spec(&[1, 320, 240, 3], DataType::Uint8)).unwrap();
        assert_eq!(
            (nhwc.layout, nhwc.height, nhwc.width),
            (Layout::Nhwc, Some(320), Some(240))
        );
        assert!(image_input(&spec(&[1, 128], DataType::Float)).is_none());
        assert!(image_input(&spec(&[1, 3, 224, 224], DataType::Int64)).is_none());
    }

    #[test]
    fn a_photo_for_an_input_that_is_no_image_is_refused_with_its_shape() {
        let s = InputSpec {
            dims: Some(vec![Dim::Param("batch".into()), Dim::Value(128)]),
            ..spec(&[], DataType::Float)
        };
        let p = Preprocess::preset(Preset::Unit, None);
        let e = load_images(&s, &[PathBuf::from("x.png")], &p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input 'x' is not image-like (N×3×H×W or N×H×W×3, float or uint8): it is declared \
             [batch, 128]"
        );
    }

    #[test]
    fn imagenet_preset_scales_resize_with_the_crop() {
        let i = image_input(&spec(&[1, 3, 224, 224], DataType::Float));
        let p = Preprocess::preset(Preset::Imagenet, i);
        assert_eq!((p.resize, p.crop), (Resize::Shorter(256), Some((224, 224))));
        let p = Preprocess::preset(
            Preset::Imagenet,
            image_input(&spec(&[1, 3, 112, 112], DataType::Float)),
        );
        assert_eq!(p.resize, Resize::Shorter(128));
    }

    #[test]
    fn shorter_side_resize_and_crop_follow_torchvision_sizes() {
        let img = RgbImage::new(300, 200);
        let p = Preprocess::preset(Preset::Imagenet, None);
        // 200 → 256 and 300 → int(256 * 300 / 200) = 384, then 224×224.
        let resized = prepare(
            img.clone(),
            &Preprocess {
                crop: None,
                ..p.clone()
            },
        );
        assert_eq!(resized.dimensions(), (384, 256));
        assert_eq!(prepare(img, &p).dimensions(), (224, 224));
    }
}
