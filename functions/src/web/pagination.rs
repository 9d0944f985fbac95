//! The page links of a long list (the `pagination` component of `components.html`): the
//! first and last page, two on either side of the current one, previous and next; each link
//! keeps the list's filters (the caller's `url`). Shared by the consoles' lists.

use serde::Serialize;

/// The query parameter of the page asked for.
pub(super) const PAGE_PARAM: &str = "seite";

#[derive(Debug, Serialize)]
pub(super) struct PageLink {
    url: String,
    number: usize,
    current: bool,
    gap_before: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct Pagination {
    /// How many pages there are (at least 1).
    pub(super) total: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PageLink>,
}

/// How many pages `total_rows` fill at `page_size` a page (at least 1).
pub(super) fn page_count(total_rows: usize, page_size: usize) -> usize {
    total_rows.div_ceil(page_size.max(1)).max(1)
}

/// The page asked for in a query (`seite`): 1 unless it is a whole number ≥ 1.
pub(super) fn requested_page(raw: &str) -> usize {
    raw.trim().parse::<usize>().unwrap_or(1).clamp(1, 100_000)
}

/// The links of page `page` of `total_rows`, `url(n)` being page `n` with the filters.
pub(super) fn pagination(
    page: usize,
    total_rows: usize,
    page_size: usize,
    url: impl Fn(usize) -> String,
) -> Pagination {
    let total = page_count(total_rows, page_size);
    let window = |n: usize| n == 1 || n == total || n.abs_diff(page) <= 2;
    let pages = (1..=total)
        .filter(|n| window(*n))
        .map(|n| PageLink {
            url: url(n),
            number: n,
            current: n == page,
            gap_before: n > 1 && !window(n - 1),
        })
        .collect();
    Pagination {
        total,
        prev: (page > 1).then(|| url(page - 1)),
        next: (page < total).then(|| url(page + 1)),
        pages,
    }
}
