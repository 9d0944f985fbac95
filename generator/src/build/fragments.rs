//! Pieces of HTML that many pages share, rendered once per build.
//!
//! A criterion's level reads the same on every detail page that shows it, and the maturity
//! section was two thirds of a detail page's template work: about 200 variable lookups for 30
//! criteria. So each criterion's row is rendered once per level of its scale (and once for
//! "not assessed"), each minimal criterion once met and once not met, and a detail page joins
//! its rows. The rows come from their own partial templates, so the theme still decides how
//! they look.

use serde::Serialize;
use tera::{Context, Tera};

use catalog::{MaturityModel, Offering};

use super::BuildError;
use super::render::template_error;

/// One Stufenmodell criterion with the offering's level (`partials/criterion-level.html`).
pub const CRITERION_TEMPLATE: &str = "partials/criterion-level.html";
/// One minimal criterion, met or not (`partials/minimal-criterion.html`).
pub const MINIMAL_TEMPLATE: &str = "partials/minimal-criterion.html";

#[derive(Serialize)]
struct CriterionRow<'a> {
    name: &'a str,
    level: Option<u8>,
    max: u8,
    description: Option<&'a str>,
}

#[derive(Serialize)]
struct MinimalRow<'a> {
    name: &'a str,
    met: bool,
}

/// The maturity section of one offering, joined from the pre-rendered rows.
pub struct MaturitySection<'m> {
    pub minimal_html: String,
    pub all_minimal_met: bool,
    /// The dimensions with at least one criterion shown: name and rows.
    pub dimensions: Vec<(&'m str, String)>,
    /// Whether the section is made of rows without a single link only, so that the link
    /// check may skip its bytes on the page.
    pub without_links: bool,
}

/// Every row of the maturity section, rendered once.
pub struct MaturityRows {
    /// `[dimension][criterion][level]`; level 0 is "not assessed".
    criteria: Vec<Vec<Vec<String>>>,
    /// `[minimal criterion][met]`.
    minimal: Vec<[String; 2]>,
    /// Not one row holds a link (the theme's rows hold none).
    without_links: bool,
}

impl MaturityRows {
    pub fn render(tera: &Tera, model: &MaturityModel) -> Result<MaturityRows, BuildError> {
        let criteria: Vec<Vec<Vec<String>>> = model
            .dimensions
            .iter()
            .map(|dimension| {
                dimension
                    .criteria
                    .iter()
                    .map(|criterion| {
                        (0..=criterion.max_level())
                            .map(|level| {
                                let level = (level > 0).then_some(level);
                                criterion_row(tera, criterion, level)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        let minimal: Vec<[String; 2]> = model
            .minimal_criteria
            .iter()
            .map(|c| {
                let row = |met| {
                    let mut context = Context::new();
                    context.insert("c", &MinimalRow { name: &c.name, met });
                    render(tera, MINIMAL_TEMPLATE, &context)
                };
                Ok([row(false)?, row(true)?])
            })
            .collect::<Result<_, BuildError>>()?;
        let without_links = criteria
            .iter()
            .flatten()
            .flatten()
            .chain(minimal.iter().flatten())
            .all(|row: &String| !super::links::has_links(row));
        Ok(MaturityRows {
            criteria,
            minimal,
            without_links,
        })
    }

    /// The section of `offering`: the applicable criteria and those it assessed anyway.
    pub fn section<'m>(
        &self,
        tera: &Tera,
        model: &'m MaturityModel,
        offering: &Offering,
    ) -> Result<MaturitySection<'m>, BuildError> {
        let assessment = &offering.maturity;
        let mut minimal_html = String::new();
        let mut all_minimal_met = true;
        for (i, c) in model.minimal_criteria.iter().enumerate() {
            let met = assessment
                .minimal_criteria
                .get(&c.id)
                .copied()
                .unwrap_or(false);
            all_minimal_met &= met;
            if let Some(row) = self.minimal.get(i) {
                minimal_html.push_str(&row[usize::from(met)]);
            }
        }
        let mut dimensions = Vec::new();
        let mut without_links = self.without_links;
        for (d, dimension) in model.dimensions.iter().enumerate() {
            let mut rows = String::new();
            for (k, criterion) in dimension.criteria.iter().enumerate() {
                let level = assessment.levels.get(&criterion.id).copied();
                if !criterion.applies_to(offering.service_type) && level.is_none() {
                    continue;
                }
                let cached = self
                    .criteria
                    .get(d)
                    .and_then(|c| c.get(k))
                    .and_then(|levels| levels.get(usize::from(level.unwrap_or(0))));
                match cached {
                    Some(row) => rows.push_str(row),
                    // A level off the scale (which `csp check` refuses) is still shown as given.
                    None => {
                        let row = criterion_row(tera, criterion, level)?;
                        without_links &= !super::links::has_links(&row);
                        rows.push_str(&row);
                    }
                }
            }
            if !rows.is_empty() {
                dimensions.push((dimension.name.as_str(), rows));
            }
        }
        Ok(MaturitySection {
            minimal_html,
            all_minimal_met,
            dimensions,
            without_links,
        })
    }
}

fn criterion_row(
    tera: &Tera,
    criterion: &catalog::Criterion,
    level: Option<u8>,
) -> Result<String, BuildError> {
    let mut context = Context::new();
    context.insert(
        "c",
        &CriterionRow {
            name: &criterion.name,
            level,
            max: criterion.max_level(),
            description: level
                .and_then(|l| criterion.level(l))
                .map(|l| l.description.as_str()),
        },
    );
    render(tera, CRITERION_TEMPLATE, &context)
}

fn render(tera: &Tera, template: &str, context: &Context) -> Result<String, BuildError> {
    tera.render(template, context)
        .map_err(|e| template_error(template, &e))
}
