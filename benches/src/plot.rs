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
