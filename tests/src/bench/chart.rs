//! Latency percentiles against offered load, Pathwise and the baseline, as SVG (plotters).

use std::path::Path;

use plotters::prelude::*;

use super::BenchReport;

pub fn draw(report: &BenchReport, path: &Path) {
    let open_loop: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.offered_rate.is_some())
        .collect();
    if open_loop.is_empty() {
        return;
    }
    let max_rate = open_loop
        .iter()
        .filter_map(|s| s.offered_rate)
        .fold(1.0, f64::max)
        * 1.1;
    let max_ms = open_loop.iter().map(|s| s.p99_ms).fold(10.0, f64::max) * 1.15;
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).ok();
    let Ok(mut chart) = ChartBuilder::on(&root)
        .caption(
            format!("End-to-end latency vs offered load ({})", report.database),
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_rate, (5.0..max_ms).log_scale())
    else {
        return;
    };
    chart
        .configure_mesh()
        .x_desc("offered attempts per second")
        .y_desc("ms from attempt created to recommendations readable (log)")
        .draw()
        .ok();
    let series = [
        ("pathwise", "p50", RGBColor(102, 68, 255), false),
        ("pathwise", "p99", RGBColor(102, 68, 255), true),
        ("pathwise-sync", "p50", RGBColor(46, 205, 167), false),
        ("pathwise-sync", "p99", RGBColor(46, 205, 167), true),
        ("pathwise-public", "p50", RGBColor(255, 164, 57), false),
        ("pathwise-public", "p99", RGBColor(255, 164, 57), true),
        ("baseline", "p50", RGBColor(227, 81, 105), false),
        ("baseline", "p99", RGBColor(227, 81, 105), true),
    ];
    for (system, percentile, color, dashed) in series {
        let points: Vec<(f64, f64)> = open_loop
            .iter()
            .filter(|s| s.system == system)
            .map(|s| {
                (
                    s.offered_rate.unwrap_or(0.0),
                    if percentile == "p50" {
                        s.p50_ms
                    } else {
                        s.p99_ms
                    },
                )
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let style = if dashed {
            color.stroke_width(1)
        } else {
            color.stroke_width(3)
        };
        if let Ok(drawn) = chart.draw_series(LineSeries::new(points.clone(), style)) {
            drawn
                .label(format!("{system} {percentile}"))
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 20, y)],
                        color.stroke_width(if dashed { 1 } else { 3 }),
                    )
                });
        }
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .ok();
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .ok();
    root.present().ok();
}
