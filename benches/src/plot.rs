//! p99 latency against client count, as an SVG (plotters).

use std::path::Path;

use plotters::prelude::*;

/// One run's point: clients, p99 header → all samples (ms), p99 header → target confidence (ms).
pub type Point = (usize, f64, f64);

/// Draws `points` to `path` (SVG).
///
/// # Errors
/// The drawing backend's error, as text.
pub fn p99_against_clients(path: &Path, points: &[Point]) -> Result<(), String> {
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let max_x = points.iter().map(|p| p.0).max().unwrap_or(1).max(1);
    let max_y = points
        .iter()
        .flat_map(|p| [p.1, p.2])
        .fold(250.0_f64, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption("p99 latency against light clients", ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0..max_x + max_x / 10, 0.0..max_y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc("ms")
        .draw()
        .map_err(|e| e.to_string())?;
    for (series, color, name) in [
        (1usize, BLUE, "header → all samples served (p99)"),
        (2, RED, "header → target confidence, verifying (p99)"),
    ] {
        let line: Vec<(usize, f64)> = points
            .iter()
            .map(|p| (p.0, if series == 1 { p.1 } else { p.2 }))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color))
            .map_err(|e| e.to_string())?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(LineSeries::new(
            vec![(0, 250.0), (max_x + max_x / 10, 250.0)],
            BLACK.mix(0.3),
        ))
        .map_err(|e| e.to_string())?
        .label("250 ms target")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.3)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// One backend's square times: (label, [(k, median ms)]).
pub type Series = (String, Vec<(usize, f64)>);

/// Square-encoding series from benchmark figures: one per backend and thread count.
pub fn square_series(figures: &[crate::encoders::Figure]) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for f in figures.iter().filter(|f| f.what == "square") {
        let label = if f.threads == 0 {
            format!("{} (GPU)", f.backend)
        } else {
            format!("{}, {} threads", f.backend, f.threads)
        };
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push((f.k, f.median_ms)),
            None => series.push((label, vec![(f.k, f.median_ms)])),
        }
    }
    series
}

/// Draws square time (ms, log scale) against k (log scale), one line per series, to `path`
/// (SVG).
///
/// # Errors
/// The drawing backend's error, as text.
pub fn square_time_against_k(path: &Path, series: &[Series]) -> Result<(), String> {
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let points = series.iter().flat_map(|(_, p)| p.iter());
    let max_k = points.clone().map(|p| p.0).max().unwrap_or(1).max(2);
    let max_ms = points.clone().map(|p| p.1).fold(1.0_f64, f64::max) * 2.0;
    let min_ms = points
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(max_ms)
        / 2.0;
    let mut chart = ChartBuilder::on(&root)
        .caption("Square encoding time against k", ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (1usize..max_k * 2).log_scale(),
            (min_ms.max(0.01)..max_ms).log_scale(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("k (original rows)")
        .y_desc("ms (median)")
        .draw()
        .map_err(|e| e.to_string())?;
    let palette = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK, YELLOW];
    for (i, (label, points)) in series.iter().enumerate() {
        let color = palette[i % palette.len()];
        chart
            .draw_series(LineSeries::new(points.clone(), color))
            .map_err(|e| e.to_string())?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
