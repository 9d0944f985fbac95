//! One page cut out of a list the domain filtered and sorted in memory (stores that read a
//! partition by key and cannot page by the filter's terms).

/// The rows of the page that starts at `offset` with at most `limit` rows (0: all of them),
/// and how many rows the list had in all.
pub fn cut<T>(rows: Vec<T>, offset: usize, limit: usize) -> (Vec<T>, usize) {
    let total = rows.len();
    let limit = if limit == 0 { usize::MAX } else { limit };
    (rows.into_iter().skip(offset).take(limit).collect(), total)
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn pages_hold_each_row_once_and_count_all() {
        let rows: Vec<u32> = (1..=7).collect();
        assert_eq!(cut(rows.clone(), 0, 3), (vec![1, 2, 3], 7));
        assert_eq!(cut(rows.clone(), 6, 3), (vec![7], 7));
        assert_eq!(cut(rows.clone(), 9, 3), (vec![], 7));
        assert_eq!(cut(rows, 2, 0), (vec![3, 4, 5, 6, 7], 7));
    }
}
