//! docs/PROTOCOL.md §8's table of wire limits, read from the document and compared with the
//! constants the code enforces, so the document cannot drift from the code again (issue 21,
//! item 8: it said 405.9 / 268.1 / 263.2 KiB while the code allowed 396.8 / 264.1 / 263.1).

use std::time::Duration;

use weft_types::{
    wire::{
        CELLS_PROTOCOL, CELLS_REQUEST_SIZE_LIMIT, CELLS_RESPONSE_SIZE_LIMIT, CELLS_TIME_LIMIT,
        HEADERS_PROTOCOL, HEADERS_REQUEST_SIZE_LIMIT, HEADERS_RESPONSE_SIZE_LIMIT,
        HEADERS_TIME_LIMIT, HEADER_SIZE_LIMIT, HEADER_TOPIC, MAX_CELLS_PER_REQUEST,
        MAX_HEADERS_PER_REQUEST, ROW_PROTOCOL, ROW_REQUEST_SIZE_LIMIT, ROW_RESPONSE_SIZE_LIMIT,
        ROW_TIME_LIMIT, STATUS_PROTOCOL, STATUS_REQUEST_SIZE_LIMIT, STATUS_RESPONSE_SIZE_LIMIT,
        STATUS_TIME_LIMIT,
    },
    EQUIVOCATION_SIZE_LIMIT, EQUIVOCATION_TOPIC,
};

/// The table's rows: protocol (first column, without backticks) → its cells.
fn table() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/PROTOCOL.md"))
        .expect("docs/PROTOCOL.md");
    doc.lines()
        .filter(|l| l.starts_with("| `/weft/") || l.starts_with("| gossipsub topic `/weft/"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            let protocol = cells[0]
                .split('`')
                .nth(1)
                .expect("the protocol in backticks")
                .to_string();
            (protocol, cells)
        })
        .collect()
}

fn row(protocol: &str) -> Vec<String> {
    table()
        .into_iter()
        .find(|(p, _)| p == protocol)
        .unwrap_or_else(|| panic!("{protocol} is not in PROTOCOL §8's table"))
        .1
}

/// A size as the document writes it: `6,340 B`, `396.8 KiB` (one decimal).
fn size(bytes: usize) -> String {
    if bytes < 100_000 {
        let digits = bytes.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("{out} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs())
}

#[test]
fn the_request_response_limits_are_the_codes() {
    let protocols = [
        (
            HEADERS_PROTOCOL,
            HEADERS_REQUEST_SIZE_LIMIT,
            HEADERS_RESPONSE_SIZE_LIMIT,
            HEADERS_TIME_LIMIT,
        ),
        (
            CELLS_PROTOCOL,
            CELLS_REQUEST_SIZE_LIMIT,
            CELLS_RESPONSE_SIZE_LIMIT,
            CELLS_TIME_LIMIT,
        ),
        (
            ROW_PROTOCOL,
            ROW_REQUEST_SIZE_LIMIT,
            ROW_RESPONSE_SIZE_LIMIT,
            ROW_TIME_LIMIT,
        ),
        (
            STATUS_PROTOCOL,
            STATUS_REQUEST_SIZE_LIMIT,
            STATUS_RESPONSE_SIZE_LIMIT,
            STATUS_TIME_LIMIT,
        ),
    ];
    for (protocol, request, response, time) in protocols {
        let cells = row(protocol);
        assert_eq!(
            cells[3],
            format!("{} / {}", size(request), size(response)),
            "{protocol}'s size limits in PROTOCOL §8"
        );
        assert_eq!(cells[4], seconds(time), "{protocol}'s time limit");
    }
    assert!(row(HEADERS_PROTOCOL)[1].contains(&format!("count ≤ {MAX_HEADERS_PER_REQUEST}")));
    assert!(row(CELLS_PROTOCOL)[1].contains(&format!("cells ≤ {MAX_CELLS_PER_REQUEST}")));
}

#[test]
fn the_gossip_limits_are_the_codes() {
    for (topic, limit) in [
        (HEADER_TOPIC, HEADER_SIZE_LIMIT),
        (EQUIVOCATION_TOPIC, EQUIVOCATION_SIZE_LIMIT),
    ] {
        assert_eq!(
            row(topic)[3],
            format!("{} (+1 KiB envelope)", size(limit)),
            "{topic} in PROTOCOL §8"
        );
    }
}

#[test]
fn sizes_are_written_as_the_document_writes_them() {
    assert_eq!(size(64), "64 B");
    assert_eq!(size(6_340), "6,340 B");
    assert_eq!(size(406_336), "396.8 KiB");
}
