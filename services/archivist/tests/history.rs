//! `GET /v1/projects/{id}/history` and the project page's trend and
//! forecast accuracy, on snapshots submitted as a synthesizer would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Archive, Backend, client, get, get_text, post, snapshot};

/// A snapshot of `demo` as of `as_of` whose goal G1 has `progress` and
/// `status`, with a forecast of G1 (p50, p85) when given.
fn with_goal(
    n: u64,
    as_of: &str,
    progress: f64,
    status: &str,
    forecast: Option<(&str, &str)>,
) -> Value {
    let mut body = snapshot("demo", n, as_of, "Next <task>");
    let doc = &mut body["subject"]["document"];
    doc["goals"]["short_term"] = json!([{
        "id": "G1", "title": "Ship the <beta>", "due": "2026-12-18",
        "progress": progress, "status": status, "reasons": []
    }]);
    if let Some((p50, p85)) = forecast {
        doc["forecast"] = json!({
            "unit": "effort_days", "weekly_throughput": [3.0, 3.0, 3.0], "trials": 10000,
            "seed": "00000000000000ff", "order": ["G1"],
            "goals": [{"goal": "G1", "remaining": 6.0, "p50": p50, "p85": p85, "on_time_probability": 0.5}]
        });
    }
    body
}

#[test]
fn history_answers_previous_compare_to_and_one_trend_point_per_date() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    let mut ids = Vec::new();
    for (n, as_of, progress, status, forecast) in [
        (
            1,
            "2026-11-02",
            0.0,
            "on_track",
            Some(("2026-11-27", "2026-12-04")),
        ),
        (
            2,
            "2026-11-09",
            0.25,
            "on_track",
            Some(("2026-11-25", "2026-12-02")),
        ),
        // Two records of one date: the later one counts.
        (
            3,
            "2026-11-09",
            0.3,
            "at_risk",
            Some(("2026-11-26", "2026-12-03")),
        ),
        (
            4,
            "2026-11-16",
            0.6,
            "on_track",
            Some(("2026-11-23", "2026-11-30")),
        ),
        (5, "2026-11-23", 1.0, "done", None),
    ] {
        let (code, receipt) = post(&c, &proc, &with_goal(n, as_of, progress, status, forecast));
        assert_eq!(code, 201, "{receipt}");
        ids.push(receipt["record_id"].as_str().unwrap().to_owned());
    }
    // A snapshot of another project never leaks in.
    assert_eq!(
        post(&c, &proc, &snapshot("other", 9, "2026-11-20", "x")).0,
        201
    );

    let h = get(&c, &proc, "/v1/projects/demo/history?before=2026-11-20");
    assert_eq!(h["previous"]["record_id"], ids[3].as_str());
    assert!(h.get("compare_to").is_none());
    let trend = h["trend"].as_array().unwrap();
    let dates: Vec<&str> = trend
        .iter()
        .map(|p| p["as_of_date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-11-02", "2026-11-09", "2026-11-16"]);
    assert_eq!(trend[1]["record_id"], ids[2].as_str());
    assert_eq!(trend[1]["goals"][0]["progress"], 0.3);

    // since by date: the latest snapshot on or before it; by record id.
    let h = get(
        &c,
        &proc,
        "/v1/projects/demo/history?before=2026-11-30&since=2026-11-10",
    );
    assert_eq!(h["compare_to"]["record_id"], ids[2].as_str());
    assert_eq!(h["previous"]["record_id"], ids[4].as_str());
    let h = get(
        &c,
        &proc,
        &format!(
            "/v1/projects/demo/history?before=2026-11-30&since={}",
            ids[0]
        ),
    );
    assert_eq!(h["compare_to"]["snapshot"]["as_of_date"], "2026-11-02");
    // Nothing before the first snapshot: an empty history.
    let h = get(&c, &proc, "/v1/projects/demo/history?before=2026-11-02");
    assert_eq!(h, json!({}));

    // Bad parameters are named.
    for (path, status, word) in [
        ("/v1/projects/demo/history", 400, "before"),
        ("/v1/projects/demo/history?before=2026-13-01", 400, "before"),
        (
            "/v1/projects/demo/history?before=2026-11-30&since=last-week",
            400,
            "since",
        ),
        (
            "/v1/projects/demo/history?before=2026-11-30&since=2020-01-01",
            404,
            "since",
        ),
        (
            &format!(
                "/v1/projects/demo/history?before=2026-11-30&since={}",
                "a".repeat(64)
            ),
            404,
            "since",
        ),
    ] {
        let (code, text) = get_text(&c, &proc, path);
        assert_eq!(code, status, "{path}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(word),
            "{path}: {text}"
        );
    }
    // A record of another project is not this project's snapshot.
    let other = get(&c, &proc, "/v1/records?project_id=other")["records"][0]["record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, _) = get_text(
        &c,
        &proc,
        &format!("/v1/projects/demo/history?before=2026-11-30&since={other}"),
    );
    assert_eq!(code, 404);

    // The route is in the OpenAPI document.
    let openapi = get(&c, &proc, "/openapi.json");
    assert!(openapi["paths"]["/v1/projects/{project_id}/history"]["get"].is_object());

    // The project page: a burn-up, and every past forecast of the finished
    // goal beside its finish (2026-11-23), error in days.
    let (code, page) = get_text(&c, &proc, "/v1/projects/demo");
    assert_eq!(code, 200);
    assert!(page.contains("id=\"trend\""), "{page}");
    assert!(page.contains("<svg"));
    assert!(page.contains("Ship the &lt;beta&gt;"));
    assert!(!page.contains("<beta>"));
    let accuracy = &page[page.find("id=\"accuracy\"").expect("accuracy table")..];
    // Forecast as of 11-02: P50 11-27 (+4 days), P85 12-04 (+11 days).
    assert!(accuracy.contains("<td>2026-11-27</td><td>2026-12-04</td><td>2026-11-23</td><td>+4 days</td><td>+11 days</td>"), "{accuracy}");
    // As of 11-16: P50 on the day, P85 +7.
    assert!(accuracy.contains("<td>on the day</td><td>+7 days</td>"));
    // The earlier record of 11-09 is not listed; the later one is.
    assert!(accuracy.contains("2026-11-26"));
    assert!(!accuracy.contains("2026-11-25"));
}
