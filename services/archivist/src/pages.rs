//! The pages a project lead bookmarks: a project's snapshots, and each
//! record on its own page, with its verification status checked
//! server-side.
//!
//! Pages are self-contained (inline style, no script, no external
//! resource) and every piece of text comes from `maud`, which escapes it:
//! a record can carry any string, and none of them can become markup.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

use chrono::NaiveDate;
use vpm_model::history::TrendPoint;
use vpm_model::plan::GoalStatus;

use crate::archive::history::PastPoint;
use crate::archive::{Archive, ArchiveError, summary};
use crate::store::{ListQuery, StoredEntry};
use crate::views::RecordVerification;

/// How many snapshots a project page lists.
const PROJECT_PAGE_SNAPSHOTS: u32 = 100;
/// How many decisions a project page lists.
const PROJECT_PAGE_DECISIONS: u32 = 50;

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:1rem 1.2rem;margin:1rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
code{font:12px ui-monospace,monospace;word-break:break-all}
.ok{color:#0a6b2d;font-weight:600}.bad{color:#b3261e;font-weight:600}
.muted{color:#5d6670}ol.next li{margin:.4rem 0}
.burnup{overflow-x:auto}.burnup svg{max-width:100%;height:auto}
";

fn layout(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { main { (body) } }
        }
    }
    .into_string()
}

fn status(v: &RecordVerification) -> Markup {
    html! {
        @if v.ok() {
            span.ok data-verified="true" title={ "signature valid; included in the signed tree of size " (v.tree_size) } {
                "✓ verified"
            }
        } @else {
            span.bad data-verified="false" title=(v.problem.clone().unwrap_or_default()) {
                "✗ " (v.problem.clone().unwrap_or_else(|| "not verified".into()))
            }
        }
    }
}

/// A path segment, percent-encoded: project ids may contain anything.
fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn next_titles(document: &Value) -> Vec<String> {
    document["next_actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .take(3)
                .map(|n| text(n, "title").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The record's activities, earliest first (PROV-JSON keys them by name).
fn activities_in_order(prov: &Value) -> Vec<(&String, &Value)> {
    let mut activities: Vec<(&String, &Value)> =
        prov["activity"].as_object().into_iter().flatten().collect();
    activities.sort_by(|a, b| text(a.1, "prov:startTime").cmp(text(b.1, "prov:startTime")));
    activities
}

/// `GET /v1/projects/{project_id}`.
pub async fn project_page(archive: &Archive, project_id: &str) -> Result<String, ArchiveError> {
    let head = archive.verified_head().await?;
    let snapshots = archive
        .store()
        .list(ListQuery {
            project_id: Some(project_id.to_owned()),
            subject_kind: Some("pm_snapshot_v1".into()),
            limit: PROJECT_PAGE_SNAPSHOTS,
            ..ListQuery::default()
        })
        .await?;
    let decisions = archive
        .store()
        .list(ListQuery {
            project_id: Some(project_id.to_owned()),
            subject_kind: Some("decision".into()),
            limit: PROJECT_PAGE_DECISIONS,
            ..ListQuery::default()
        })
        .await?;
    if snapshots.is_empty() && decisions.is_empty() {
        return Err(ArchiveError::NotFound(format!(
            "project {project_id:?} has no records in this archive"
        )));
    }
    let mut rows = Vec::new();
    for entry in &snapshots {
        let verification = archive.verify_entry(entry, &head).await;
        rows.push((entry, archive.readable_record(entry).await?, verification));
    }
    let mut decision_rows = Vec::new();
    for entry in &decisions {
        let readable = archive.readable_record(entry).await?;
        decision_rows.push((
            summary(entry, &readable),
            archive.verify_entry(entry, &head).await,
        ));
    }
    let latest = rows.first();
    let past = archive.past_points(project_id).await?;
    let goals = latest_goals(&past);
    let accuracy = forecast_accuracy(&past);
    let trend: Vec<TrendPoint> = past.iter().map(PastPoint::trend_point).collect();
    let body = html! {
        p.muted { "vpm archive · " (archive.verifier().name()) }
        h1 { "Project " (project_id) }
        @if let Some((entry, value, verification)) = latest {
            @let doc = &value["record"]["subject"]["document"];
            section #latest {
                h2 { "Latest snapshot: as of " (text(doc, "as_of_date")) }
                p { (status(verification)) " · logged " (entry.logged_at) " · "
                    a href={ "/v1/records/" (entry.record_id) "/html" } { "full page" } }
                p { (text(&doc["current"], "summary")) }
                h2 { "Next 3" }
                ol.next {
                    @for action in doc["next_actions"].as_array().into_iter().flatten().take(3) {
                        li { strong { (text(action, "title")) } br; span.muted { (text(action, "details")) } }
                    }
                }
            }
        } @else {
            section { p { "No snapshot has been archived for this project yet." } }
        }
        @if trend.len() > 1 && !goals.is_empty() {
            section #trend {
                h2 { "Progress over time" }
                p.muted { "Each goal's progress in the latest snapshot of every as-of date (at most "
                    (crate::archive::history::MAX_TREND) ")." }
                @for (id, title) in &goals {
                    h3 { code { (id) } " " (title) }
                    div.burnup { (PreEscaped(vpm_history::burnup_svg(&trend, &[(id.as_str(), title.as_str())]))) }
                }
            }
        }
        @if !accuracy.is_empty() {
            section #accuracy {
                h2 { "Forecast accuracy" }
                p.muted { "For each goal done by the latest snapshot: what every earlier snapshot forecast, beside the \
                    actual finish (the as-of date of the first snapshot where the goal was done). Error = forecast − actual; \
                    positive is late, negative early." }
                table {
                    thead { tr { th { "Goal" } th { "Forecast as of" } th { "P50" } th { "P85" } th { "Finished" } th { "P50 error" } th { "P85 error" } } }
                    tbody {
                        @for row in &accuracy {
                            tr {
                                td { code { (row.goal) } }
                                td { a href={ "/v1/records/" (row.record_id) "/html" } { (row.as_of) } }
                                td { (row.p50) } td { (row.p85) } td { (row.finished) }
                                td { (days(row.p50_error)) } td { (days(row.p85_error)) }
                            }
                        }
                    }
                }
            }
        }
        @if rows.len() > 1 {
            section #history {
                h2 { "Earlier snapshots" }
                table {
                    thead { tr { th { "As of" } th { "Next 3" } th { "Logged" } th { "Status" } } }
                    tbody {
                        @for (entry, value, verification) in rows.iter().skip(1) {
                            @let doc = &value["record"]["subject"]["document"];
                            tr {
                                td { a href={ "/v1/records/" (entry.record_id) "/html" } { (text(doc, "as_of_date")) } }
                                td { ol { @for t in next_titles(doc) { li { (t) } } } }
                                td.muted { (entry.logged_at) }
                                td { (status(verification)) }
                            }
                        }
                    }
                }
            }
        }
        @if !decision_rows.is_empty() {
            section #decisions {
                h2 { "Decisions" }
                table {
                    tbody {
                        @for (s, verification) in &decision_rows {
                            tr {
                                td { a href={ "/v1/records/" (s.record_id) "/html" } { (s.title) } }
                                td.muted { (s.logged_at) }
                                td { (status(verification)) }
                            }
                        }
                    }
                }
            }
        }
        p.muted { "Verified against the signed checkpoint of tree size " (head.size) ". Public key: "
            code { (archive.verifier().verifier_key()) } }
    };
    Ok(layout(&format!("{project_id} — vpm archive"), body))
}

/// `(id, title)` of every goal of the latest snapshot, short-term first.
fn latest_goals(past: &[PastPoint]) -> Vec<(String, String)> {
    past.last().map(|p| p.titles.clone()).unwrap_or_default()
}

/// One past forecast of a goal beside its actual finish.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AccuracyRow {
    goal: String,
    record_id: String,
    as_of: NaiveDate,
    p50: NaiveDate,
    p85: NaiveDate,
    finished: NaiveDate,
    p50_error: i64,
    p85_error: i64,
}

/// For each goal done in the latest snapshot: every forecast made for it
/// before it was done, with its error in days. The goal's finish is the
/// as-of date of the first snapshot that shows it done.
fn forecast_accuracy(past: &[PastPoint]) -> Vec<AccuracyRow> {
    let Some(latest) = past.last() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for goal in latest.goals.iter().filter(|g| g.status == GoalStatus::Done) {
        let Some(finished) = past
            .iter()
            .find(|p| {
                p.goals
                    .iter()
                    .any(|g| g.id == goal.id && g.status == GoalStatus::Done)
            })
            .map(|p| p.as_of_date)
        else {
            continue;
        };
        for point in past.iter().filter(|p| p.as_of_date < finished) {
            let Some(forecast) = point.forecasts.iter().find(|f| f.goal == goal.id) else {
                continue;
            };
            if let (Some(p50), Some(p85)) = (forecast.p50, forecast.p85) {
                rows.push(AccuracyRow {
                    goal: goal.id.clone(),
                    record_id: point.record_id.clone(),
                    as_of: point.as_of_date,
                    p50,
                    p85,
                    finished,
                    p50_error: (p50 - finished).num_days(),
                    p85_error: (p85 - finished).num_days(),
                });
            }
        }
    }
    rows
}

/// `+3 days`, `−1 day`, `on the day`.
fn days(n: i64) -> String {
    match n {
        0 => "on the day".to_owned(),
        1 => "+1 day".to_owned(),
        -1 => "−1 day".to_owned(),
        n if n > 0 => format!("+{n} days"),
        n => format!("−{} days", n.unsigned_abs()),
    }
}

/// `GET /v1/records/{id}/html`.
pub async fn record_page(archive: &Archive, entry: &StoredEntry) -> Result<String, ArchiveError> {
    let head = archive.verified_head().await?;
    let verification = archive.verify_entry(entry, &head).await;
    let attachments = archive.attachment_names(&entry.record_id).await?;
    let value = archive.readable_record_with_provenance(entry).await?;
    let record = &value["record"];
    let doc = &record["subject"]["document"];
    let prov = &record["provenance"];
    let kind = entry.subject_kind.as_str();
    let title = summary(entry, &value).title;
    let decisions = vpm_tlog::record::links(prov);
    let body = html! {
        p.muted { "vpm archive · " a href={ "/v1/projects/" (segment(&entry.project_id)) } { "project " (entry.project_id) } }
        h1 { (title) }
        section #verification {
            p { (status(&verification)) }
            table {
                tr { th { "Record id" } td { code { (entry.record_id) } } }
                tr { th { "Leaf index" } td { (entry.leaf_index) } }
                tr { th { "Logged" } td { (entry.logged_at) } }
                tr { th { "Trace id" } td { code { (text(record, "trace_id")) } } }
                tr { th { "Subject SHA-256" } td { code { (text(&record["subject"], "sha256")) } } }
            }
        }
        @if kind == "pm_snapshot_v1" {
            section #current {
                h2 { "Current" }
                p { (text(&doc["current"], "summary")) }
                ul { @for b in strings(&doc["current"]["bullets"]) { li { (b) } } }
            }
            @let has_goals = ["short_term", "mid_term"].iter().any(|k| doc["goals"][k].as_array().is_some_and(|a| !a.is_empty()));
            @if has_goals { section #goals {
                h2 { "Goals" }
                @for (label, key) in [("Short term", "short_term"), ("Mid term", "mid_term")] {
                    @let goals = doc["goals"][key].as_array().cloned().unwrap_or_default();
                    @if !goals.is_empty() {
                        h3 { (label) }
                        ul { @for g in &goals {
                            li { strong { (text(g, "title")) } " — " (text(g, "status"))
                                @if let Some(p) = g["progress"].as_f64() { " · " (format!("{:.0}", p * 100.0)) "%" } }
                        } }
                    }
                }
            } }
            section #gap {
                h2 { "Gap" }
                ul { @for g in doc["gaps"].as_array().into_iter().flatten() { li { (text(g, "summary")) } } }
            }
            section #next {
                h2 { "Next 3" }
                ol.next { @for a in doc["next_actions"].as_array().into_iter().flatten().take(3) {
                    li { strong { (text(a, "title")) } " "
                        span.muted { "impact " (text(a, "impact")) " · effort " (text(a, "effort")) }
                        br; (text(a, "details")) }
                } }
            }
            section #evidence {
                h2 { "Evidence" }
                ul { @for e in doc["evidence"].as_array().into_iter().flatten() {
                    li { code { (text(e, "path")) } " — " (text(e, "summary")) }
                } }
                @let notes = strings(&doc["notes"]);
                @if !notes.is_empty() { h2 { "Notes" } ul { @for n in &notes { li { (n) } } } }
            }
        } @else {
            section #decision {
                h2 { "Decision" }
                p { (text(doc, "decision")) }
                @if let Some(r) = doc["rationale"].as_str() { h3 { "Rationale" } p { (r) } }
                @if let Some(d) = doc["date"].as_str() { p.muted { "Decided " (d) } }
            }
        }
        section #provenance {
            h2 { "Provenance" }
            table {
                thead { tr { th { "Activity" } th { "Started" } th { "Ended" } } }
                tbody { @for (id, a) in activities_in_order(prov) {
                    tr { td { (text(a, "prov:label")) " " span.muted { (id) } }
                         td { (text(a, "prov:startTime")) } td { (text(a, "prov:endTime")) } }
                } }
            }
            @if !decisions.is_empty() {
                h3 { "Decisions" }
                table { tbody { @for link in &decisions {
                    tr { td { a href={ "/v1/records/" (segment(&link.record_id)) "/html" } {
                        (link.entity.strip_prefix("vpm:decision/").unwrap_or(&link.entity)) } }
                         td { code { (link.record_id) } } }
                } } }
            }
            h3 { "Inputs" }
            table { tbody { @for (_, e) in prov["entity"].as_object().into_iter().flatten() {
                @if text(e, "prov:type") == "vpm:SourceFile" {
                    tr { td { (text(e, "vpm:path")) } td { code { (text(e, "vpm:sha256")) } } }
                }
            } } }
        }
        @if !attachments.is_empty() {
            section #attachments {
                h2 { "Rendered views" }
                ul { @for (name, media_type) in &attachments {
                    li { a href={ "/v1/records/" (entry.record_id) "/attachments/" (segment(name)) } { (name) } " " span.muted { (media_type) } }
                } }
            }
        }
        p.muted { "Checked against the signed checkpoint of tree size " (head.size) "." }
    };
    Ok(layout(&format!("{title} — {}", entry.project_id), body))
}
