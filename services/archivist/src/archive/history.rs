//! What the archive knows of a project's past, as of a date: the
//! [`History`] a synthesizer needs for a snapshot's changes, trend and
//! forecast (`GET /v1/projects/{project_id}/history`), and the archived
//! snapshots the project page draws its burn-up and forecast accuracy from.
//!
//! Bounded by construction: the project's snapshot records are walked
//! newest first through the listing (which carries each one's as-of date)
//! up to [`MAX_SCANNED`] of them, and only the documents that are used —
//! the previous snapshot, the one compared against, and one per trend
//! date, at most [`MAX_TREND`] — are read in full, one at a time.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vpm_model::PmSnapshot;
use vpm_model::history::{ArchivedSnapshot, GoalForecast, GoalPoint, History, TrendPoint};

use super::{Archive, ArchiveError, ArchiveResult};
use crate::store::ListQuery;

/// How many of a project's snapshot records a history read looks at,
/// newest first. Older ones are left out of the trend (a weekly project
/// reaches it after a hundred years; a watcher archiving every save, after
/// a few thousand saves).
pub const MAX_SCANNED: usize = 5_000;
/// The most trend points a history carries: two years of weekly snapshots.
pub const MAX_TREND: usize = 104;
/// Listing page size while scanning: small, since each listed record's
/// leaf is read to find its as-of date.
const SCAN_PAGE: u32 = 100;

/// Which snapshot a history compares against, besides the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// This archived record (a snapshot of the same project).
    Record(String),
    /// The latest snapshot with an as-of date on or before this one.
    Date(NaiveDate),
}

impl Since {
    /// Reads `since` as a date (`YYYY-MM-DD`) or a record id (64 hex digits).
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Self::Date(date));
        }
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Self::Record(text.to_ascii_lowercase()));
        }
        Err(format!(
            "since {:?} is neither a date (YYYY-MM-DD) nor a record id (64 hex digits)",
            text.chars().take(80).collect::<String>()
        ))
    }
}

/// One snapshot record of a project, as the listing gives it.
#[derive(Debug, Clone)]
struct Listed {
    record_id: String,
    leaf_index: u64,
    as_of: NaiveDate,
}

impl Archive {
    /// A project's snapshot records, newest logged first, at most
    /// [`MAX_SCANNED`]; records without a readable as-of date are skipped.
    async fn snapshot_records(&self, project_id: &str) -> ArchiveResult<Vec<Listed>> {
        let mut listed = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .list(ListQuery {
                    project_id: Some(project_id.to_owned()),
                    subject_kind: Some("pm_snapshot_v1".into()),
                    before: cursor,
                    limit: SCAN_PAGE,
                    ..ListQuery::default()
                })
                .await?;
            for record in page.records {
                if let Some(as_of) = record
                    .as_of_date
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                {
                    listed.push(Listed {
                        record_id: record.record_id,
                        leaf_index: record.leaf_index,
                        as_of,
                    });
                }
                if listed.len() >= MAX_SCANNED {
                    return Ok(listed);
                }
            }
            match page.next_cursor.and_then(|c| c.parse().ok()) {
                Some(next) => cursor = Some(next),
                None => return Ok(listed),
            }
        }
    }

    /// The snapshot document of an archived record, read as
    /// `GET /v1/records/{id}` reads it.
    pub async fn archived_snapshot(&self, record_id: &str) -> ArchiveResult<ArchivedSnapshot> {
        // The document alone (beside a version 2 or 3 record, inside a
        // version 1 one): neither the receipt's proof nor the PROV
        // document is needed here.
        let entry = self.entry(record_id).await?;
        let signed: serde_json::Value =
            serde_json::from_str(&entry.signed_record).unwrap_or_default();
        let document = self.document(&entry, &signed).await?.ok_or_else(|| {
            ArchiveError::Internal(format!("record {record_id} carries no document"))
        })?;
        let snapshot: PmSnapshot = serde_json::from_value(document).map_err(|e| {
            ArchiveError::Internal(format!(
                "record {record_id} does not hold a pm_snapshot_v1 document: {e}"
            ))
        })?;
        Ok(ArchivedSnapshot {
            record_id: entry.record_id,
            snapshot: Box::new(snapshot),
        })
    }

    /// What the archive knows of `project_id` before `before`: see
    /// [`History`]. `since` names the snapshot to compare against instead
    /// of the previous one; a record that is not a snapshot of this
    /// project is refused (404), as is a date with no snapshot on or
    /// before it.
    pub async fn history(
        &self,
        project_id: &str,
        before: NaiveDate,
        since: Option<&Since>,
    ) -> ArchiveResult<History> {
        let records = self.snapshot_records(project_id).await?;
        // The latest record of each earlier as-of date: the listing is
        // newest logged first, so the first seen of a date wins.
        let mut by_date: BTreeMap<NaiveDate, &Listed> = BTreeMap::new();
        for record in records.iter().filter(|r| r.as_of < before) {
            by_date
                .entry(record.as_of)
                .and_modify(|kept| {
                    if record.leaf_index > kept.leaf_index {
                        *kept = record;
                    }
                })
                .or_insert(record);
        }
        let previous = match by_date.last_key_value() {
            Some((_, record)) => Some(self.archived_snapshot(&record.record_id).await?),
            None => None,
        };
        let compare_to = match since {
            None => None,
            Some(Since::Record(id)) => {
                let entry = self.entry(id).await.map_err(|e| match e {
                    ArchiveError::NotFound(_) => {
                        ArchiveError::NotFound(format!("since: no record {id} in this log"))
                    }
                    other => other,
                })?;
                if entry.project_id != project_id || entry.subject_kind != "pm_snapshot_v1" {
                    return Err(ArchiveError::NotFound(format!(
                        "since: record {id} is not a snapshot of project {project_id:?}"
                    )));
                }
                Some(self.archived_snapshot(id).await?)
            }
            Some(Since::Date(date)) => {
                let record = records
                    .iter()
                    .filter(|r| r.as_of <= *date)
                    .max_by_key(|r| (r.as_of, r.leaf_index))
                    .ok_or_else(|| {
                        ArchiveError::NotFound(format!(
                            "since: project {project_id:?} has no snapshot as of {date} or earlier"
                        ))
                    })?;
                Some(self.archived_snapshot(&record.record_id).await?)
            }
        };
        let skip = by_date.len().saturating_sub(MAX_TREND);
        let mut trend = Vec::new();
        for (_, record) in by_date.iter().skip(skip) {
            let point = match &previous {
                Some(p) if p.record_id == record.record_id => PastPoint::of(p),
                _ => PastPoint::of(&self.archived_snapshot(&record.record_id).await?),
            };
            trend.push(point.trend_point());
        }
        Ok(History {
            previous,
            compare_to,
            trend,
        })
    }
}

/// What the project page needs of one archived snapshot: each goal's
/// place and forecast, not the whole document.
#[derive(Debug, Clone, PartialEq)]
pub struct PastPoint {
    pub record_id: String,
    pub as_of_date: NaiveDate,
    pub goals: Vec<GoalPoint>,
    /// Each goal's title, as this snapshot gave it.
    pub titles: Vec<(String, String)>,
    pub forecasts: Vec<GoalForecast>,
}

impl PastPoint {
    fn of(archived: &ArchivedSnapshot) -> Self {
        let snapshot = &archived.snapshot;
        Self {
            record_id: archived.record_id.clone(),
            as_of_date: snapshot.as_of_date,
            goals: vpm_history::trend::goal_points(snapshot),
            titles: snapshot
                .goals
                .short_term
                .iter()
                .chain(&snapshot.goals.mid_term)
                .map(|g| (g.id.clone(), g.title.clone()))
                .collect(),
            forecasts: snapshot
                .forecast
                .as_ref()
                .map(|f| f.goals.clone())
                .unwrap_or_default(),
        }
    }

    pub fn trend_point(&self) -> TrendPoint {
        TrendPoint {
            as_of_date: self.as_of_date,
            record_id: Some(self.record_id.clone()),
            goals: self.goals.clone(),
        }
    }
}

impl Archive {
    /// The latest snapshot of each as-of date of a project, oldest first,
    /// at most [`MAX_TREND`] (the latest dates), read one at a time and
    /// kept only as [`PastPoint`]s: the project page's burn-up and
    /// forecast accuracy.
    pub async fn past_points(&self, project_id: &str) -> ArchiveResult<Vec<PastPoint>> {
        let records = self.snapshot_records(project_id).await?;
        let mut by_date: BTreeMap<NaiveDate, &Listed> = BTreeMap::new();
        for record in &records {
            by_date
                .entry(record.as_of)
                .and_modify(|kept| {
                    if record.leaf_index > kept.leaf_index {
                        *kept = record;
                    }
                })
                .or_insert(record);
        }
        let skip = by_date.len().saturating_sub(MAX_TREND);
        let mut points = Vec::new();
        for (_, record) in by_date.iter().skip(skip) {
            points.push(PastPoint::of(
                &self.archived_snapshot(&record.record_id).await?,
            ));
        }
        Ok(points)
    }
}
