//! The order snapshot file: what `csp build` writes for the function and the function reads.

use std::path::PathBuf;

use catalog::snapshot::{OrderCatalog, SnapshotError};

fn sample_catalog() -> catalog::Catalog {
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content");
    catalog::load_catalog(&content).expect("the sample content is valid")
}

fn sample_snapshot() -> OrderCatalog {
    OrderCatalog::from_catalog(&sample_catalog())
}

fn written(snapshot: OrderCatalog) -> Vec<u8> {
    let mut bytes = Vec::new();
    snapshot.write_json(&mut bytes).expect("write");
    bytes
}

#[test]
fn reads_back_what_it_wrote_with_every_maturity_level_in_words() {
    let snapshot = sample_snapshot();
    let bytes = written(snapshot.clone());
    let read = OrderCatalog::read_json(&bytes).expect("read");
    assert_eq!(read, snapshot);
    let levels: usize = read.offerings.iter().map(|o| o.maturity.levels.len()).sum();
    assert!(levels > read.offerings.len() * 5, "{levels} levels");
    assert!(
        read.offerings
            .iter()
            .flat_map(|o| &o.maturity.levels)
            .all(|l| !l.description.is_empty() && !l.criterion.is_empty())
    );
    // Each level's words are in the file once, not once per offering.
    let plain = serde_json::to_vec(&snapshot).expect("plain");
    assert!(
        bytes.len() * 2 < plain.len(),
        "{} bytes against {} with the texts repeated",
        bytes.len(),
        plain.len()
    );
}

#[test]
fn the_build_writes_the_same_file_straight_from_the_catalog() {
    let catalog = sample_catalog();
    let mut streamed = Vec::new();
    OrderCatalog::write_catalog_json(&catalog, &mut streamed).expect("write");
    assert_eq!(
        String::from_utf8(streamed).expect("utf-8"),
        String::from_utf8(written(OrderCatalog::from_catalog(&catalog))).expect("utf-8")
    );
}

#[test]
fn refuses_another_version_a_broken_level_reference_and_missing_level_lists() {
    let bytes = written(sample_snapshot());
    let mut file: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    file["version"] = 1.into();
    match OrderCatalog::read_json(&serde_json::to_vec(&file).expect("json")) {
        Err(e @ SnapshotError::Version { found: 1 }) => {
            assert!(e.to_string().contains("rebuild the site"), "{e}");
        }
        other => panic!("expected a version error, got {other:?}"),
    }
    file["version"] = catalog::snapshot::SNAPSHOT_VERSION.into();
    file["levels"][0][0] = 1_000_000.into();
    assert!(matches!(
        OrderCatalog::read_json(&serde_json::to_vec(&file).expect("json")),
        Err(SnapshotError::MissingLevel { index: 1_000_000 })
    ));
    file["levels"].as_array_mut().expect("levels").pop();
    assert!(matches!(
        OrderCatalog::read_json(&serde_json::to_vec(&file).expect("json")),
        Err(SnapshotError::LevelLists { .. })
    ));
    assert!(matches!(
        OrderCatalog::read_json(b"{\"version\": "),
        Err(SnapshotError::Json(_))
    ));
}
