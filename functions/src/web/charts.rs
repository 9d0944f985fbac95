//! The model of a bar chart: scale, ticks, bars and labels with their coordinates, computed
//! here so the template (`partials/bar-chart.html`) only draws what it is given. The same
//! numbers fill the chart's table.

use serde::Serialize;

use crate::domain::orders::figures::Figure;

const WIDTH: f64 = 640.0;
const PLOT_HEIGHT: f64 = 200.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 24.0;
/// Room below the plot for labels written straight.
const BOTTOM: f64 = 40.0;
/// Labels in the chart are cut to this many characters (the table has them whole).
const LABEL_CHARS: usize = 26;
/// Roughly the width of a character of the labels, in the chart's units.
const CHAR_WIDTH: f64 = 7.0;

/// A line of the value axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub y: f64,
    pub label: String,
}

/// One bar and its labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The centre of the bar (for its labels).
    pub centre: f64,
    /// Where the value is written (above the bar).
    pub value_y: f64,
    pub label: String,
    pub long_label: String,
    /// The value as written in the chart and the table ("–" for none).
    pub value_text: String,
    /// A second column in the table (e.g. how many decisions a median rests on).
    pub extra_text: String,
    /// Drawn differently (and always named in words as well).
    pub marked: bool,
}

/// A bar chart as the template draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    /// Unique on its page: the ids of the title and description.
    pub id: String,
    pub title: String,
    /// What the chart shows in one or two sentences (the SVG's `<desc>`).
    pub description: String,
    /// Column headers of the table.
    pub label_header: String,
    pub value_header: String,
    pub extra_header: String,
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub baseline: f64,
    pub label_y: f64,
    pub ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    /// Labels are turned to fit (many or long labels).
    pub slanted: bool,
}

/// A German number with at most one decimal ("2,5", "3").
pub fn german_number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}").replace('.', ",")
    }
}

/// The step of a scale from 0 to `max` with at most five lines: 1, 2 or 5 times a power of
/// ten, at least `min_step`.
pub fn nice_step(max: f64, min_step: f64) -> f64 {
    if max <= 0.0 {
        return min_step;
    }
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    step.max(min_step)
}

/// What a chart is about, besides its numbers.
pub struct ChartText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: String,
    pub label_header: &'a str,
    pub value_header: &'a str,
    pub extra_header: &'a str,
    /// Whole numbers only (counts): the scale's step is at least 1.
    pub counts: bool,
}

impl BarChart {
    /// The chart of `figures`; `extra` gives a figure's second table column, `marked` which
    /// bars are drawn differently.
    pub fn of(
        text: ChartText<'_>,
        figures: &[Figure],
        extra: impl Fn(&Figure) -> String,
        marked: impl Fn(usize, &Figure) -> bool,
    ) -> BarChart {
        let max = figures
            .iter()
            .filter_map(|f| f.value)
            .fold(0.0_f64, f64::max);
        let step = nice_step(max, if text.counts { 1.0 } else { 0.5 });
        let lines = (max / step).ceil().max(1.0);
        let top_value = lines * step;
        let plot_height = PLOT_HEIGHT;
        let baseline = TOP + PLOT_HEIGHT;
        let scale = |v: f64| baseline - v / top_value * plot_height;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ticks = (0..=lines as u32)
            .map(|i| {
                let v = f64::from(i) * step;
                Tick {
                    y: round(scale(v)),
                    label: german_number(v),
                }
            })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let slot = (WIDTH - LEFT - RIGHT) / figures.len().max(1) as f64;
        let bar_width = (slot * 0.6).min(48.0);
        let bars = figures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                #[allow(clippy::cast_precision_loss)]
                let centre = LEFT + slot * (i as f64 + 0.5);
                let value = f.value.unwrap_or(0.0);
                let y = scale(value);
                Bar {
                    x: round(centre - bar_width / 2.0),
                    y: round(y),
                    width: round(bar_width),
                    height: round(baseline - y),
                    centre: round(centre),
                    value_y: round(y - 6.0),
                    label: short(&f.label),
                    long_label: f.long_label.clone(),
                    value_text: f.value.map_or_else(|| "–".to_owned(), german_number),
                    extra_text: extra(f),
                    marked: marked(i, f),
                }
            })
            .collect();
        let longest = figures
            .iter()
            .map(|f| f.label.chars().count().min(LABEL_CHARS + 1))
            .max()
            .unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        let label_width = longest as f64 * CHAR_WIDTH;
        let slanted = label_width > slot;
        // A label turned by 40° needs sin(40°) of its length below the plot.
        let bottom = if slanted {
            BOTTOM.max(label_width * 0.65 + 16.0)
        } else {
            BOTTOM
        };
        BarChart {
            id: text.id.to_owned(),
            title: text.title.to_owned(),
            description: text.description,
            label_header: text.label_header.to_owned(),
            value_header: text.value_header.to_owned(),
            extra_header: text.extra_header.to_owned(),
            width: WIDTH,
            height: round(baseline + bottom),
            plot_left: LEFT,
            plot_right: WIDTH - RIGHT,
            baseline,
            label_y: baseline + 18.0,
            ticks,
            bars,
            slanted,
        }
    }
}

/// A label cut to [`LABEL_CHARS`] characters with "…".
fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(label: &str, value: Option<f64>) -> Figure {
        Figure {
            label: label.into(),
            long_label: label.into(),
            value,
            count: 0,
        }
    }

    fn text() -> ChartText<'static> {
        ChartText {
            id: "t",
            title: "T",
            description: String::new(),
            label_header: "Monat",
            value_header: "Bestellungen",
            extra_header: "",
            counts: true,
        }
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.0, 1.0), 1.0);
        assert_eq!(nice_step(3.0, 1.0), 1.0);
        assert_eq!(nice_step(9.0, 1.0), 2.0);
        assert_eq!(nice_step(23.0, 1.0), 5.0);
        assert_eq!(nice_step(480.0, 1.0), 100.0);
        assert_eq!(nice_step(2.2, 0.5), 0.5);
    }

    #[test]
    fn bars_stand_on_the_baseline_and_the_highest_reaches_the_top_line() {
        let chart = BarChart::of(
            text(),
            &[
                figure("Jan", Some(0.0)),
                figure("Feb", Some(4.0)),
                figure("Mär", None),
            ],
            |_| String::new(),
            |_, _| false,
        );
        assert_eq!(chart.ticks.len(), 5);
        assert_eq!(chart.ticks.last().map(|t| t.label.as_str()), Some("4"));
        let top = chart.ticks.last().map(|t| t.y).unwrap_or_default();
        assert_eq!(chart.bars[1].y, top);
        for bar in &chart.bars {
            assert!(
                (bar.y + bar.height - chart.baseline).abs() < 0.11,
                "{bar:?}"
            );
        }
        assert_eq!(chart.bars[0].height, 0.0);
        assert_eq!(chart.bars[2].value_text, "–");
        assert!(chart.bars[0].x < chart.bars[1].x);
    }

    #[test]
    fn an_empty_chart_still_has_a_scale() {
        let chart = BarChart::of(
            text(),
            &[figure("Jan", Some(0.0))],
            |_| String::new(),
            |_, _| false,
        );
        assert_eq!(chart.ticks.len(), 2);
        assert_eq!(chart.bars[0].value_text, "0");
    }

    #[test]
    fn german_numbers_have_a_decimal_comma() {
        assert_eq!(german_number(2.5), "2,5");
        assert_eq!(german_number(3.0), "3");
        assert_eq!(german_number(0.04), "0");
        assert_eq!(german_number(1.26), "1,3");
    }
}
