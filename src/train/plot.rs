//! The run's curves as one PNG: mean reward, KL to the reference, entropy and mean response
//! length against the RL step, in a 2x2 grid (that order, left to right, top to bottom).
//!
//! plotters is built with its bitmap backend and line series only, without font rendering
//! (which would pull in system font libraries); titles and the axis ranges are drawn with a
//! tiny built-in pixel font ([`super::glyphs`]). A dashed line marks y = 0 when it is in
//! range, and an orange line marks each reference reset.

use super::metrics::StepMetrics;
use plotters::prelude::*;
use std::path::Path;

/// One panel's series and its y-range (printed by the caller).
pub struct Panel {
    pub name: &'static str,
    pub ys: Vec<(f64, f64)>,
    pub lo: f64,
    pub hi: f64,
}

fn panel(name: &'static str, ms: &[StepMetrics], f: impl Fn(&StepMetrics) -> f64) -> Panel {
    let ys: Vec<(f64, f64)> = ms
        .iter()
        .map(|m| (m.step as f64, f(m)))
        .filter(|(_, y)| y.is_finite())
        .collect();
    let lo = ys.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = ys.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.05).max(1e-9);
    Panel {
        name,
        ys,
        lo: lo - pad,
        hi: hi + pad,
    }
}

/// The four panels of a run.
pub fn panels(ms: &[StepMetrics]) -> Vec<Panel> {
    vec![
        panel("reward_mean", ms, |m| m.reward_mean),
        panel("kl", ms, |m| m.kl),
        panel("entropy", ms, |m| m.entropy),
        panel("response_len_mean", ms, |m| m.response_len_mean),
    ]
}

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Draws the panels into `path` (PNG, 1200x800).
pub fn write_png(path: &Path, ms: &[StepMetrics]) -> anyhow::Result<Vec<Panel>> {
    let ps = panels(ms);
    let x_max = ms.iter().map(|m| m.step).max().unwrap_or(1).max(1) as f64;
    let x_min = ms.iter().map(|m| m.step).min().unwrap_or(0) as f64;
    let resets: Vec<f64> = ms
        .iter()
        .filter(|m| m.reference_reset.is_some())
        .map(|m| m.step as f64)
        .collect();
    let root = BitMapBackend::new(path, (1200, 800)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("plot {}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let areas = root.split_evenly((2, 2));
    for ((outer, p), color) in areas.iter().zip(&ps).zip(COLORS) {
        let (w, h) = outer.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        let text = |t: &str, x: i32, y: i32, scale: i32| -> anyhow::Result<()> {
            for (x1, y1, x2, y2) in super::glyphs::pixels(t, x, y, scale) {
                outer
                    .draw(&Rectangle::new([(x1, y1), (x2, y2)], BLACK.filled()))
                    .map_err(|e| err(&e))?;
            }
            Ok(())
        };
        text(p.name, 16, 8, 3)?;
        text(&format!("{:.4}", p.hi), 22, 34, 2)?;
        text(&format!("{:.4}", p.lo), 22, h - 46, 2)?;
        text(&format!("step {x_min}"), 16, h - 22, 2)?;
        let right = format!("step {x_max}");
        text(&right, w - 16 - right.len() as i32 * 8, h - 22, 2)?;
        let area = outer.margin(28, 28, 16, 16);
        let mut chart = ChartBuilder::on(&area)
            .build_cartesian_2d(x_min..x_max.max(x_min + 1.0), p.lo..p.hi)
            .map_err(|e| err(&e))?;
        let frame = [
            (x_min, p.lo),
            (x_max, p.lo),
            (x_max, p.hi),
            (x_min, p.hi),
            (x_min, p.lo),
        ];
        chart
            .draw_series(LineSeries::new(frame, BLACK.stroke_width(1)))
            .map_err(|e| err(&e))?;
        for &x in &resets {
            chart
                .draw_series(LineSeries::new(
                    [(x, p.lo), (x, p.hi)],
                    RGBColor(255, 200, 120).stroke_width(3),
                ))
                .map_err(|e| err(&e))?;
        }
        if p.lo < 0.0 && p.hi > 0.0 {
            let n = 40;
            let dx = (x_max - x_min) / n as f64;
            for k in (0..n).step_by(2) {
                let a = x_min + k as f64 * dx;
                chart
                    .draw_series(LineSeries::new(
                        [(a, 0.0), (a + dx, 0.0)],
                        RGBColor(150, 150, 150).stroke_width(1),
                    ))
                    .map_err(|e| err(&e))?;
            }
        }
        chart
            .draw_series(LineSeries::new(p.ys.iter().copied(), color.stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(ps)
}
