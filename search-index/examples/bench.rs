//! The search benchmark behind `scripts/bench-search`: builds the index of a content folder
//! (e.g. 10,000 synthetic offerings from `scripts/synthetic-offerings`), opens it, runs
//! single-word, multi-word, filtered and sorted queries in this process and prints a table.
//!
//! ```text
//! bench CONTENT_DIR [ITERATIONS]      the whole benchmark
//! bench --open INDEX_DIR              (internal) open once, answer one query, print µs
//! bench --queries CONTENT_DIR TSV      top-3 accuracy over a graded query set
//! bench --build CONTENT_DIR [ROUNDS]   only the index build: per round `wall_ms cpu_ms bytes`
//!                                      (0 rounds: only the catalog is loaded)
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use catalog::{ContractModel, ServiceType};
use search_index::{SearchIndex, SearchRequest, Sort, build_index};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--open") {
        let dir = PathBuf::from(args.get(1).ok_or("--open needs the index folder")?);
        let started = Instant::now();
        let index = SearchIndex::open(&dir)?;
        let opened = started.elapsed();
        index.search(&SearchRequest::new("messenger"))?;
        println!("{} {}", opened.as_micros(), started.elapsed().as_micros());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("--queries") {
        let content = PathBuf::from(args.get(1).ok_or("--queries needs the content folder")?);
        let tsv = PathBuf::from(args.get(2).ok_or("--queries needs the query file")?);
        return accuracy(&content, &tsv);
    }
    if args.first().map(String::as_str) == Some("--build") {
        let content = PathBuf::from(args.get(1).ok_or("--build needs the content folder")?);
        let rounds: usize = args.get(2).map_or(Ok(1), |n| n.parse())?;
        return builds(&content, rounds);
    }
    let content = PathBuf::from(
        args.first()
            .ok_or("usage: bench CONTENT_DIR [ITERATIONS]")?,
    );
    let iterations: usize = args.get(1).map_or(Ok(2000), |n| n.parse())?;

    let started = Instant::now();
    let catalog = catalog::load_catalog(&content).map_err(|e| format!("{e:?}"))?;
    let load_time = started.elapsed();
    let documents = catalog.published().count();

    let work = std::env::temp_dir().join(format!("csp-bench-search-{}", std::process::id()));
    let dir = work.join("search-index");
    let mut builds = Vec::new();
    let mut stats = None;
    for _ in 0..3 {
        let s = build_index(&catalog, &dir)?;
        builds.push(s.took);
        stats = Some(s);
    }
    let stats = stats.ok_or("no build")?;
    builds.sort();

    let started = Instant::now();
    let index = SearchIndex::open(&dir)?;
    let open_in_process = started.elapsed();
    let fresh = fresh_process_open(&dir)?;

    let single = [
        "messenger",
        "datenbank",
        "signatur",
        "kubernetes",
        "grünflächen",
        "backup",
        "chatbot",
        "speicher",
        "kataster",
        "mesenger",
    ];
    let multi = [
        "sicherer messenger",
        "open source datenbank",
        "digitale signatur eidas",
        "backup disaster recovery",
        "termin buchung online",
        "geodaten karten portal",
    ];
    let requests = |words: &[&str], f: &dyn Fn(SearchRequest, usize) -> SearchRequest| {
        words
            .iter()
            .enumerate()
            .map(|(i, q)| f(SearchRequest::new(q), i))
            .collect::<Vec<_>>()
    };
    let filters = |r: SearchRequest, i: usize| match i % 4 {
        0 => r.typ(ServiceType::Saas),
        1 => r.anbieter("dataport"),
        2 => r.kategorie("infrastruktur"),
        _ => r.vertragsmodell(ContractModel::Umklappvertrag),
    };
    let sorts = |r: SearchRequest, i: usize| {
        r.sortierung([Sort::Preis, Sort::Neueste, Sort::Reifegrad, Sort::Name][i % 4])
    };
    let mut filtered_sorted = requests(&single[..4], &|r, i| sorts(filters(r, i), i));
    filtered_sorted.push(SearchRequest::new("").sortierung(Sort::Name));
    let sets: Vec<(&str, Vec<SearchRequest>)> = vec![
        ("single word", requests(&single, &|r, _| r)),
        ("multi-word", requests(&multi, &|r, _| r)),
        ("filtered", requests(&single, &filters)),
        ("sorted", requests(&single, &sorts)),
        (
            "no words, all offerings by name",
            vec![SearchRequest::new("").sortierung(Sort::Name)],
        ),
        ("filtered + sorted, page 3", {
            filtered_sorted
                .iter()
                .cloned()
                .map(|r| r.seite(3))
                .collect()
        }),
    ];

    println!("# Search benchmark\n");
    println!(
        "{documents} published offerings from {} (loaded in {}).\n",
        content.display(),
        ms(load_time)
    );
    println!("| what | figure | target |");
    println!("| --- | --- | --- |");
    println!(
        "| index build (best / median of 3) | {} / {} | ≤ 1 s |",
        ms(builds[0]),
        ms(builds[1])
    );
    println!("| index size on disk | {} | |", kib(stats.bytes as usize));
    println!("| open in this process | {} | |", ms(open_in_process));
    println!(
        "| fresh process: open / open + first query / whole process | {} / {} / {} | |",
        ms(fresh.0),
        ms(fresh.1),
        ms(fresh.2)
    );
    for (name, set) in &sets {
        let (p50, p99, hits) = latency(&index, set, iterations)?;
        println!(
            "| query p50 / p99, {name} ({} queries, avg {hits} hits) | {} / {} | ≤ 1 ms / ≤ 5 ms |",
            set.len(),
            us(p50),
            us(p99)
        );
    }
    let mut sizes = Vec::new();
    for q in single.iter().chain(&multi) {
        let response = index.search(&SearchRequest::new(q))?;
        sizes.push(serde_json::to_string(&response)?.len());
    }
    sizes.sort_unstable();
    println!(
        "| JSON response, median / largest over {} queries | {} / {} | ≤ 4 KB |",
        sizes.len(),
        kib(sizes[sizes.len() / 2]),
        kib(sizes[sizes.len() - 1])
    );
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

/// Top-3 accuracy over the graded query set `tsv` (see `search-index/tests/queries.tsv`)
/// on the index of `content`: one line per miss, then `ours top-3: P/N`.
fn accuracy(content: &Path, tsv: &Path) -> Result<(), Error> {
    let catalog = catalog::load_catalog(content).map_err(|e| format!("{e:?}"))?;
    let work = std::env::temp_dir().join(format!("csp-bench-queries-{}", std::process::id()));
    let dir = work.join("search-index");
    build_index(&catalog, &dir)?;
    let index = SearchIndex::open(&dir)?;
    let text = std::fs::read_to_string(tsv)?;
    let (mut passed, mut all) = (0, 0);
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("query\t") {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let [query, expected, kind] = columns[..] else {
            return Err(format!("{}: bad line {line:?}", tsv.display()).into());
        };
        let response = index.search(&SearchRequest::new(query))?;
        let top: Vec<&str> = response
            .hits
            .iter()
            .take(3)
            .map(|h| h.id.as_str())
            .collect();
        all += 1;
        if top
            .iter()
            .any(|id| expected.split(',').any(|e| e.trim() == *id))
        {
            passed += 1;
        } else {
            println!(
                "  miss: {query:?} ({kind}): expected {expected}, got {}",
                top.join(",")
            );
        }
    }
    println!("ours top-3: {passed}/{all}");
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

/// Builds the index of `content` `rounds` times, printing one line per build: wall time and
/// CPU time of this process (all threads, user + system) in milliseconds, and bytes on disk.
fn builds(content: &Path, rounds: usize) -> Result<(), Error> {
    let catalog = catalog::load_catalog(content).map_err(|e| format!("{e:?}"))?;
    let work = std::env::temp_dir().join(format!("csp-bench-build-{}", std::process::id()));
    let dir = work.join("search-index");
    for _ in 0..rounds {
        let cpu = cpu_time()?;
        let stats = build_index(&catalog, &dir)?;
        let cpu = cpu_time()?.saturating_sub(cpu);
        println!(
            "{:.1} {:.1} {}",
            stats.took.as_secs_f64() * 1000.0,
            cpu.as_secs_f64() * 1000.0,
            stats.bytes
        );
    }
    // Nothing was built with zero rounds (what a count of the loading alone runs).
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    Ok(())
}

/// User + system time of this process so far (Linux: `/proc/self/stat`, in clock ticks of
/// 10 ms).
fn cpu_time() -> Result<Duration, Error> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The fields after the command name (in parentheses, which may hold spaces).
    let rest = stat.rsplit_once(')').ok_or("no /proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64, Error> {
        Ok(fields.get(i).ok_or("short /proc/self/stat")?.parse()?)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// Per-query latencies over `iterations` calls cycling through `set`, after a warm-up.
fn latency(
    index: &SearchIndex,
    set: &[SearchRequest],
    iterations: usize,
) -> Result<(Duration, Duration, usize), Error> {
    let mut hits = 0;
    for r in set {
        hits += index.search(r)?.total;
    }
    let mut times = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let r = &set[i % set.len()];
        let started = Instant::now();
        let response = index.search(r)?;
        times.push(started.elapsed());
        std::hint::black_box(response);
    }
    times.sort();
    let pick = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    Ok((pick(0.50), pick(0.99), hits / set.len()))
}

/// Opens the index in a new process of this program: (open, open + first query, whole run).
fn fresh_process_open(dir: &Path) -> Result<(Duration, Duration, Duration), Error> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = Command::new(std::env::current_exe()?)
            .arg("--open")
            .arg(dir)
            .output()?;
        let whole = started.elapsed();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        let text = String::from_utf8(out.stdout)?;
        let mut numbers = text.split_whitespace().map(str::parse::<u64>);
        let open = Duration::from_micros(numbers.next().ok_or("no output")??);
        let first = Duration::from_micros(numbers.next().ok_or("no output")??);
        runs.push((open, first, whole));
    }
    runs.sort();
    Ok(runs[1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

fn kib(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    }
}
