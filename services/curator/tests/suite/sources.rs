//! `sources:` in project.yaml: every importer with hand-worked
//! expectations, and the hostile inputs each must survive.

use vpm_model::curated::{CuratedSet, RelationKind, Task};
use vpm_model::{Effort, Level, TaskStatus};

use crate::support::{assert_valid, bundle, curated, problems, the, validator};

const CACHE: &str = ".vpm/sources/github/acme/api";

fn project(sources: &str) -> String {
    format!(
        "id: demo\nname: Demo\nas_of: 2026-12-03\ngoals:\n  - id: G1\n    title: Ship the beta\n\
         sources:\n{sources}"
    )
}

fn task<'a>(set: &'a CuratedSet, id: &str) -> &'a Task {
    set.tasks
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no task {id} in {:#?}", set.tasks))
}

fn with_as_of(mut b: vpm_model::Bundle) -> vpm_model::Bundle {
    b.as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 3);
    b
}

/// Trimmed as `vpm pull` writes it: issue 1 done, 2 open with labels and
/// a body dependency, 3 a pull request, 4 closed as not planned, 5 with
/// no milestone, blocked by 2 (dependencies.json) and parent of 1
/// (sub_issues.json).
const ISSUES: &str = r#"[
  {"number": 1, "title": "Sync engine", "state": "closed", "state_reason": "completed",
   "html_url": "https://github.com/acme/api/issues/1", "body": null,
   "labels": [], "assignees": [{"login": "ana"}],
   "milestone": {"number": 3, "title": "Beta"}, "closed_at": "2026-11-20T10:00:00Z"},
  {"number": 2, "title": "Conflict\u001b[31m merge", "state": "open", "state_reason": null,
   "html_url": "https://github.com/acme/api/issues/2",
   "body": "Some text.\nDepends on #1.\nblocked by #99",
   "labels": [{"name": "Priority/High"}, {"name": "size/L"}, {"name": "BLOCKED"}, {"name": "bug"}],
   "assignees": [{"login": "ben"}, {"login": "cy"}],
   "milestone": {"number": 3, "title": "Beta"}},
  {"number": 3, "title": "Fix typo", "state": "open", "html_url": "https://github.com/acme/api/pull/3",
   "labels": [], "assignees": [], "milestone": null, "pull_request": {}},
  {"number": 4, "title": "Rewrite in Go", "state": "closed", "state_reason": "not_planned",
   "html_url": "https://github.com/acme/api/issues/4", "labels": [], "assignees": [], "milestone": null},
  {"number": 5, "title": "Docs", "state": "open", "html_url": "https://github.com/acme/api/issues/5",
   "labels": [{"name": "P3"}, {"name": "risk/high"}], "assignees": [], "milestone": null,
   "extra": {"deeply": [{"nested": "ignored"}]}}
]"#;

const MILESTONES: &str = r#"[
  {"number": 3, "title": "Beta", "description": "The beta.\n- [x] Sync\n- [ ] Merge",
   "state": "open", "due_on": "2026-12-11T08:00:00Z", "html_url": "https://github.com/acme/api/milestone/3"},
  {"number": 4, "title": "Unused", "description": null, "state": "closed", "due_on": null,
   "html_url": "https://github.com/acme/api/milestone/4"}
]"#;

fn github_bundle(extra: &[(&str, &str)]) -> vpm_model::Bundle {
    let project = project("  - github: acme/api\n");
    let issues = format!("{CACHE}/issues.json");
    let milestones = format!("{CACHE}/milestones.json");
    let pull = format!("{CACHE}/pull.json");
    let deps = format!("{CACHE}/dependencies.json");
    let subs = format!("{CACHE}/sub_issues.json");
    let mut files: Vec<(&str, &str)> = vec![
        ("project.yaml", &project),
        ("state.md", "# State\n\nFine.\n"),
        (&issues, ISSUES),
        (&milestones, MILESTONES),
        (
            &pull,
            r#"{"fetched_at": "2026-11-30T09:15:00Z", "api_url": "https://api.github.com", "etags": {}, "requests": 2}"#,
        ),
        (&deps, r#"{"5": [2]}"#),
        (&subs, r#"{"5": [1]}"#),
    ];
    for (p, c) in extra {
        files.retain(|(q, _)| q != p);
        files.push((p, c));
    }
    with_as_of(bundle("demo", &files))
}

#[test]
fn a_github_cache_becomes_goals_and_tasks_citing_their_pages() {
    let set = curated(&github_bundle(&[]));
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    // The pull request and the not-planned issue are not tasks.
    assert_eq!(ids, ["GH-1", "GH-2", "GH-5"]);

    let t1 = task(&set, "GH-1");
    assert_eq!(t1.status, TaskStatus::Done);
    assert_eq!(t1.owner.as_deref(), Some("ana"));
    assert_eq!(t1.goal, "GH-M3");
    assert_eq!(t1.source.path, format!("{CACHE}/issues.json"));
    assert_eq!(t1.source.line, 2);
    assert_eq!(
        t1.source.url.as_deref(),
        Some("https://github.com/acme/api/issues/1")
    );
    assert_eq!(t1.assumed, ["criticality", "effort", "risk"]);
    assert_eq!(
        t1.done_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
        "closed_at, as a UTC date"
    );

    let t2 = task(&set, "GH-2");
    assert_eq!(
        t2.title, "Conflict [31m merge",
        "control characters removed"
    );
    assert_eq!(t2.status, TaskStatus::Blocked);
    assert_eq!(t2.criticality, Level::High);
    assert_eq!(t2.effort, Effort::L);
    assert_eq!(t2.assumed, ["risk"]);
    assert_eq!(t2.owner.as_deref(), Some("ben"), "the first assignee");
    assert_eq!(t2.depends_on, ["GH-1"], "#99 is not in the cache");
    assert_eq!(t2.source.line, 6);
    assert_eq!(t2.done_on, None, "open");

    let t5 = task(&set, "GH-5");
    assert_eq!(t5.goal, "GH-backlog");
    assert_eq!(t5.criticality, Level::Low);
    assert_eq!(t5.risk, Level::High);
    assert_eq!(t5.depends_on, ["GH-2", "GH-1"], "blocked by 2, parent of 1");

    let goal_ids: Vec<&str> = set.goals.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        goal_ids,
        ["G1", "GH-M3", "GH-backlog"],
        "the unused milestone is no goal"
    );
    let beta = &set.goals[1];
    assert_eq!(beta.title, "Beta");
    assert_eq!(beta.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 11));
    assert_eq!(beta.acceptance.len(), 2);
    assert!(beta.acceptance[0].met && !beta.acceptance[1].met);
    assert_eq!(
        beta.source.url.as_deref(),
        Some("https://github.com/acme/api/milestone/3")
    );
    assert_eq!(beta.source.path, format!("{CACHE}/milestones.json"));

    let codes: Vec<&str> = set.warnings.iter().map(|w| w.code.as_str()).collect();
    assert!(codes.contains(&"not_planned"), "{codes:?}");
    let dropped = set
        .warnings
        .iter()
        .find(|w| w.code == "dropped_dependency")
        .unwrap();
    assert!(dropped.message.contains("GH-99"), "{}", dropped.message);
    let age = set.warnings.iter().find(|w| w.code == "cache_age").unwrap();
    assert_eq!(
        age.message,
        "GitHub acme/api: cache fetched 3 days before the as-of date (2026-11-30T09:15:00Z); \
         run `vpm pull DIR` to refresh"
    );

    // The relations cite the issue, and the cache files are hashed.
    let rel = set
        .relations
        .iter()
        .find(|r| r.kind == RelationKind::DependsOn && r.from == "GH-2")
        .unwrap();
    assert_eq!(rel.to, "GH-1");
    assert!(rel.source.url.is_some());
    let hashed: Vec<&str> = set.sources.iter().map(|s| s.path.as_str()).collect();
    for f in [
        "issues.json",
        "milestones.json",
        "pull.json",
        "dependencies.json",
        "sub_issues.json",
    ] {
        assert!(
            hashed.contains(&format!("{CACHE}/{f}").as_str()),
            "{hashed:?}"
        );
    }
    assert!(!codes.contains(&"ignored_file"), "{:#?}", set.warnings);

    let v = validator("curated_set_v1.schema.json");
    assert_valid(&v, &serde_json::to_value(&set).unwrap());
}

#[test]
fn a_folder_goal_stands_for_its_milestone_and_a_source_goal_takes_the_rest() {
    let project = "id: demo\nname: Demo\ngoals:\n  - id: GH-M3\n    title: Beta, as we say it\n  - id: G1\n    title: Other\n\
                   sources:\n  - github: acme/api\n    goal: G1\n";
    let set = curated(&github_bundle(&[("project.yaml", project)]));
    let goal_ids: Vec<&str> = set.goals.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(goal_ids, ["GH-M3", "G1"]);
    assert_eq!(set.goals[0].title, "Beta, as we say it");
    assert_eq!(task(&set, "GH-5").goal, "G1");
}

#[test]
fn a_missing_cache_names_vpm_pull() {
    let p = problems(&with_as_of(bundle(
        "demo",
        &[("project.yaml", &project("  - github: acme/api\n"))],
    )));
    let missing = the(&p, "missing_source");
    assert_eq!(
        (missing.path.as_str(), missing.line),
        ("project.yaml", Some(8))
    );
    assert!(
        missing.message.contains("run `vpm pull DIR`"),
        "{}",
        missing.message
    );
}

#[test]
fn gh_cli_and_full_rest_exports_read_alike() {
    // `gh issue list --json number,title,state,assignees,labels,milestone,closedAt,body,url`
    let gh = r#"[
 {"assignees":[{"id":"MDQ","login":"ana","name":"Ana"}],"body":"blocked by #2","closedAt":null,
  "labels":[{"id":"LA","name":"size/S","description":"","color":"fff"}],
  "milestone":{"number":1,"title":"v1","description":"","dueOn":"2026-12-20T00:00:00Z"},
  "number":1,"state":"OPEN","title":"First","url":"https://github.com/acme/web/issues/1"},
 {"assignees":[],"body":"","closedAt":"2026-11-01T00:00:00Z","labels":[],"milestone":null,
  "number":2,"state":"CLOSED","stateReason":"COMPLETED","title":"Second","url":"https://github.com/acme/web/issues/2"}
]"#;
    // The REST API's full objects, saved by hand: more fields, `url` the API's.
    let rest = r#"[
 {"url":"https://api.github.com/repos/acme/web/issues/1","html_url":"https://github.com/acme/web/issues/1",
  "id":1,"node_id":"I_1","number":1,"title":"First","user":{"login":"x","id":9},
  "labels":[{"id":1,"name":"size/S","color":"fff","default":false}],"state":"open","locked":false,
  "assignee":{"login":"ana"},"assignees":[{"login":"ana","id":2}],
  "milestone":{"url":"u","html_url":"https://github.com/acme/web/milestone/1","number":1,"title":"v1",
   "description":"","due_on":"2026-12-20T00:00:00Z","state":"open"},
  "comments":0,"created_at":"2026-10-01T00:00:00Z","closed_at":null,"body":"blocked by #2","reactions":{"+1":0}},
 {"url":"https://api.github.com/repos/acme/web/issues/2","html_url":"https://github.com/acme/web/issues/2",
  "number":2,"title":"Second","labels":[],"state":"closed","state_reason":"completed","assignees":[],
  "milestone":null,"closed_at":"2026-11-01T00:00:00Z","body":null}
]"#;
    let mut sets = Vec::new();
    for export in [gh, rest] {
        let project =
            project("  - github: acme/web\n    file: exports/issues.json\n    goal: G1\n");
        let set = curated(&with_as_of(bundle(
            "demo",
            &[("project.yaml", &project), ("exports/issues.json", export)],
        )));
        sets.push(set);
    }
    for set in &sets {
        let t1 = task(set, "GH-1");
        assert_eq!(t1.status, TaskStatus::Todo);
        assert_eq!(t1.effort, Effort::S);
        assert_eq!(t1.owner.as_deref(), Some("ana"));
        assert_eq!(t1.goal, "GH-M1");
        assert_eq!(t1.depends_on, ["GH-2"]);
        assert_eq!(
            t1.source.url.as_deref(),
            Some("https://github.com/acme/web/issues/1")
        );
        assert_eq!(task(set, "GH-2").status, TaskStatus::Done);
        assert_eq!(
            task(set, "GH-2").done_on,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            "closedAt and closed_at alike"
        );
        assert_eq!(task(set, "GH-2").goal, "G1");
        let m1 = set.goals.iter().find(|g| g.id == "GH-M1").unwrap();
        assert_eq!(m1.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 20));
        // No cache, so no cache-age warning.
        assert!(set.warnings.iter().all(|w| w.code != "cache_age"));
    }
    assert_eq!(sets[0].tasks.len(), sets[1].tasks.len());
}

#[test]
fn pull_requests_are_tasks_only_when_asked() {
    let project = project(
        "  - github: acme/api\n    pull_requests: true\n    labels:\n      bug: criticality high\n      BLOCKED: nothing\n",
    );
    let set = curated(&github_bundle(&[("project.yaml", &project)]));
    assert!(set.tasks.iter().any(|t| t.id == "GH-3"));
    let t2 = task(&set, "GH-2");
    assert_eq!(
        t2.status,
        TaskStatus::Todo,
        "BLOCKED overridden to mean nothing"
    );
    assert_eq!(t2.criticality, Level::High);
}

#[test]
fn a_malformed_export_names_the_file_line_and_column() {
    let issues = format!("{CACHE}/issues.json");
    let p = problems(&github_bundle(&[(
        &issues,
        "[\n  {\"number\": 1, \"title\": \"x\", \"state\": \"open\"},\n  {\"number\": \"two\"}\n]",
    )]));
    let bad = the(&p, "bad_export");
    assert_eq!(bad.path, issues);
    assert_eq!(bad.line, Some(3));
    assert!(bad.message.contains("column"), "{}", bad.message);

    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let p = problems(&github_bundle(&[(&issues, &deep)]));
    assert_eq!(the(&p, "bad_export").path, issues);
}

#[test]
fn imported_ids_that_collide_with_the_folders_are_duplicate_ids() {
    let tasks = "tasks:\n  - id: GH-1\n    title: Mine\n    goal: G1\n    status: todo\n";
    let p = problems(&github_bundle(&[("tasks.yaml", tasks)]));
    let dup = the(&p, "duplicate_id");
    assert_eq!(dup.path, format!("{CACHE}/issues.json"));
    assert_eq!(dup.related[0].path, "tasks.yaml");
}

const JIRA_JSON: &str = r#"{"startAt":0,"maxResults":50,"total":3,"issues":[
 {"id":"10001","key":"ACME-1","self":"https://acme.atlassian.net/rest/api/2/issue/10001",
  "fields":{"summary":"Login page","status":{"name":"In Review","statusCategory":{"key":"indeterminate"}},
   "assignee":{"displayName":"Ana Lima"},"duedate":"2026-12-05","priority":{"name":"Highest"},
   "customfield_10016":5.0,"fixVersions":[{"name":"Release 2","releaseDate":"2027-03-01"}],
   "issuetype":{"name":"Story"},"description":{"type":"doc","content":[{"type":"paragraph"}]},
   "issuelinks":[{"type":{"name":"Blocks","inward":"is blocked by","outward":"blocks"},"inwardIssue":{"key":"ACME-2"}}]}},
 {"id":"10002","key":"ACME-2","self":"https://acme.atlassian.net/rest/api/2/issue/10002",
  "fields":{"summary":"Auth API","status":{"name":"Done","statusCategory":{"key":"done"}},
   "assignee":null,"duedate":null,"resolutiondate":"2026-11-25T16:04:00.000+0000","priority":{"name":"Low"},"fixVersions":[],
   "issuetype":{"name":"Task"},"parent":{"key":"ACME-9","fields":{"summary":"Accounts","issuetype":{"name":"Epic"}}},
   "issuelinks":[{"type":{"name":"Blocks"},"outwardIssue":{"key":"ACME-3"}}]}},
 {"id":"10003","key":"ACME-3","self":"https://acme.atlassian.net/rest/api/2/issue/10003",
  "fields":{"summary":"Profile","status":{"name":"To Do","statusCategory":{"key":"new"}},"issuetype":{"name":"Task"}}}
]}"#;

#[test]
fn a_jira_search_response_becomes_tasks_under_versions_and_epics() {
    let project = project("  - jira: exports/jira.json\n");
    let set = curated(&with_as_of(bundle(
        "demo",
        &[("project.yaml", &project), ("exports/jira.json", JIRA_JSON)],
    )));
    let a1 = task(&set, "ACME-1");
    assert_eq!(a1.status, TaskStatus::InProgress);
    assert_eq!(a1.owner.as_deref(), Some("Ana Lima"));
    assert_eq!(a1.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 5));
    assert_eq!(a1.criticality, Level::High);
    assert_eq!(a1.effort, Effort::M);
    assert_eq!(a1.goal, "Release-2");
    assert_eq!(a1.depends_on, ["ACME-2"]);
    assert_eq!(a1.source.line, 2);
    assert_eq!(
        a1.source.url.as_deref(),
        Some("https://acme.atlassian.net/browse/ACME-1"),
        "the browse URL is derived from `self` when browse_url is not given"
    );
    let a2 = task(&set, "ACME-2");
    assert_eq!((a2.status, a2.goal.as_str()), (TaskStatus::Done, "ACME-9"));
    assert_eq!(a2.done_on, chrono::NaiveDate::from_ymd_opt(2026, 11, 25));
    assert_eq!(a1.done_on, None);
    assert_eq!(
        task(&set, "ACME-3").depends_on,
        ["ACME-2"],
        "ACME-2 blocks ACME-3"
    );
    assert_eq!(task(&set, "ACME-3").goal, "JIRA-backlog");
    let release = set.goals.iter().find(|g| g.id == "Release-2").unwrap();
    assert_eq!(release.title, "Release 2");
    assert_eq!(
        release.horizon,
        vpm_model::Horizon::Mid,
        "due 3 months after as_of"
    );
    let epic = set.goals.iter().find(|g| g.id == "ACME-9").unwrap();
    assert_eq!(epic.title, "Accounts");
}

const JIRA_CSV: &str = "\u{feff}Summary,Issue key,Issue id,Issue Type,Status,Status Category,Priority,Assignee,Due Date,Custom field (Story Points),Fix Version/s,Fix Version/s,Inward issue link (Blocks),Inward issue link (Blocks),Resolved\n\
\"Login page, with \"\"SSO\"\"\",ACME-1,10001,Story,In Review,In Progress,High,Ana Lima,05/Dec/26 12:00 AM,8,Release 2,Release 3,ACME-2,ACME-3,\n\
\"Auth API\nsecond line\",ACME-2,10002,Task,Done,Done,Low,,,,,,,,25/Nov/26 4:04 PM\n\
Profile,ACME-3,10003,Task,Blocked,To Do,Medium,Ben,,1,,,,,\n";

#[test]
fn a_jira_csv_export_reads_like_its_json() {
    let project = project(
        "  - jira: exports/jira.csv\n    browse_url: https://acme.atlassian.net/\n    goal: G1\n",
    );
    let set = curated(&with_as_of(bundle(
        "demo",
        &[("project.yaml", &project), ("exports/jira.csv", JIRA_CSV)],
    )));
    let a1 = task(&set, "ACME-1");
    assert_eq!(a1.title, "Login page, with \"SSO\"");
    assert_eq!(a1.status, TaskStatus::InProgress);
    assert_eq!(a1.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 5));
    assert_eq!(a1.effort, Effort::L);
    assert_eq!(a1.goal, "Release-2", "the first fix version");
    assert_eq!(a1.depends_on, ["ACME-2", "ACME-3"]);
    assert_eq!(a1.source.line, 2);
    assert_eq!(
        a1.source.url.as_deref(),
        Some("https://acme.atlassian.net/browse/ACME-1")
    );
    let a2 = task(&set, "ACME-2");
    assert_eq!(a2.title, "Auth API second line");
    assert_eq!((a2.status, a2.goal.as_str()), (TaskStatus::Done, "G1"));
    assert_eq!(
        a2.done_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25),
        "the Resolved column"
    );
    let a3 = task(&set, "ACME-3");
    assert_eq!(a3.source.line, 5, "the row after a two-line field");
    assert_eq!(a3.status, TaskStatus::Blocked);
    assert_eq!(a3.effort, Effort::S);
}

#[test]
fn a_jira_csv_with_an_open_quote_or_a_row_too_short_names_the_row() {
    let project = project("  - jira: exports/jira.csv\n");
    let broken = "Issue key,Summary,Status\nA-1,ok,Done\nA-2,\"never closed,Done\nA-3,x,Done\n";
    let p = problems(&with_as_of(bundle(
        "demo",
        &[("project.yaml", &project), ("exports/jira.csv", broken)],
    )));
    let bad = the(&p, "bad_export");
    assert_eq!(
        (bad.path.as_str(), bad.value.as_deref()),
        ("exports/jira.csv", Some("row 3"))
    );
}

const LINEAR_CSV: &str = "ID,Team,Title,Description,Status,Estimate,Priority,Project ID,Project,Creator,Assignee,Labels,Cycle Number,Cycle Name,Created,Updated,Started,Completed,Canceled,Due Date,URL\n\
ENG-1,Engineering,Offline cache,,In Progress,3,Urgent,p1,Mobile beta,Ana,Ben,,4,Cycle 4,2026-11-01,2026-11-02,2026-11-03,,,2026-12-10,https://linear.app/acme/issue/ENG-1/offline-cache\n\
ENG-2,Engineering,Old idea,,Canceled,,No priority,,,Ana,,,,,2026-11-01,2026-11-02,,,2026-11-05,,\n\
ENG-3,Engineering,Release notes,,Done,1,Low,,,Ana,Cy,,4,Cycle 4,2026-11-01,2026-11-02,,2026-11-20,,,\n\
ENG-4,Engineering,Icons,,Backlog,,,,,Ana,,,,,2026-11-01,2026-11-02,,,,,\n";

#[test]
fn a_linear_csv_export_becomes_tasks_under_projects_and_cycles() {
    let project = project("  - linear: exports/linear.csv\n");
    let set = curated(&with_as_of(bundle(
        "demo",
        &[
            ("project.yaml", &project),
            ("exports/linear.csv", LINEAR_CSV),
        ],
    )));
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ENG-1", "ENG-3", "ENG-4"],
        "the canceled issue is no task"
    );
    let e1 = task(&set, "ENG-1");
    assert_eq!(e1.status, TaskStatus::InProgress);
    assert_eq!((e1.criticality, e1.effort), (Level::High, Effort::M));
    assert_eq!(e1.owner.as_deref(), Some("Ben"));
    assert_eq!(e1.goal, "Mobile-beta");
    assert_eq!(e1.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 10));
    assert_eq!(
        e1.source.url.as_deref(),
        Some("https://linear.app/acme/issue/ENG-1/offline-cache")
    );
    assert_eq!(e1.done_on, None);
    let e3 = task(&set, "ENG-3");
    assert_eq!(
        e3.done_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
        "the Completed column"
    );
    assert_eq!(
        (e3.status, e3.goal.as_str()),
        (TaskStatus::Done, "cycle-Cycle-4")
    );
    assert_eq!(task(&set, "ENG-4").goal, "LIN-backlog");
    assert_eq!(
        task(&set, "ENG-4").assumed,
        ["criticality", "effort", "risk"]
    );
}

const TODO_MD: &str = "# TODO

## G1: the beta

- [x] T1: Write the importer @ana
- [ ] T2: Document it due:2026-12-08 (after: T1) priority:high
  - [ ] A nested step without id
- [ ] Tidy up #blocked goal:G2

```
- [ ] not a task, inside a code block
```

## Later

* [X] Celebrate effort:S
";

#[test]
fn markdown_task_lists_become_tasks_with_their_conventions() {
    let project = "id: demo\nname: Demo\ngoals:\n  - id: G1\n    title: Beta\n  - id: G2\n    title: Tidy\n\
                   sources:\n  - markdown: TODO.md\n";
    let set = curated(&bundle(
        "demo",
        &[("project.yaml", project), ("TODO.md", TODO_MD)],
    ));
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["T1", "T2", "MD-1", "MD-2", "MD-3"]);
    let t2 = task(&set, "T2");
    assert_eq!(t2.title, "Document it");
    assert_eq!(t2.goal, "G1", "by the heading");
    assert_eq!(t2.depends_on, ["T1"]);
    assert_eq!(t2.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 8));
    assert_eq!(t2.criticality, Level::High);
    assert_eq!((t2.source.path.as_str(), t2.source.line), ("TODO.md", 6));
    assert_eq!(t2.source.url, None);
    assert_eq!(task(&set, "T1").owner.as_deref(), Some("ana"));
    assert_eq!(task(&set, "T1").status, TaskStatus::Done);
    let tidy = task(&set, "MD-2");
    assert_eq!(
        (tidy.goal.as_str(), tidy.status),
        ("G2", TaskStatus::Blocked)
    );
    let celebrate = task(&set, "MD-3");
    assert_eq!(celebrate.goal, "MD-backlog", "`Later` names no goal");
    assert_eq!(
        (celebrate.status, celebrate.effort),
        (TaskStatus::Done, Effort::S)
    );
}

#[test]
fn a_markdown_dependency_on_an_unknown_id_is_an_unknown_reference() {
    let project = project("  - markdown: TODO.md\n    goal: G1\n");
    let p = problems(&bundle(
        "demo",
        &[
            ("project.yaml", &project),
            ("TODO.md", "- [ ] T1: x (after: T9)\n"),
        ],
    ));
    let unknown = the(&p, "unknown_reference");
    assert_eq!((unknown.path.as_str(), unknown.line), ("TODO.md", Some(1)));
}

#[test]
fn imports_and_tasks_yaml_share_one_namespace_and_one_graph() {
    // A tasks.yaml task may wait on a Markdown item, and a circle through
    // both files is found.
    let project = project("  - markdown: TODO.md\n    goal: G1\n");
    let tasks =
        "tasks:\n  - id: T1\n    title: x\n    goal: G1\n    status: todo\n    depends_on: [M1]\n";
    let p = problems(&bundle(
        "demo",
        &[
            ("project.yaml", &project),
            ("tasks.yaml", tasks),
            ("TODO.md", "- [ ] M1: y (after: T1)\n"),
        ],
    ));
    let cycle = the(&p, "dependency_cycle");
    let paths: Vec<&str> = cycle.related.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.contains(&"TODO.md") && paths.contains(&"tasks.yaml"),
        "{cycle:#?}"
    );
}

#[test]
fn the_example_folder_packs_its_exports_and_curates_cleanly() {
    let dir = crate::support::repo_root().join("examples/sources");
    let set = curator::folder::curate_dir(
        &dir,
        None,
        crate::support::TRACE,
        &curator::Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "D1", "D2", "D3", "B1", "MD-1", "PLAT-1", "PLAT-2", "PLAT-3", "MOB-1", "MOB-3"
        ]
    );
    let plat1 = task(&set, "PLAT-1");
    assert_eq!(
        plat1.source.url.as_deref(),
        Some("https://quill.atlassian.net/browse/PLAT-1")
    );
    assert_eq!(plat1.depends_on, ["PLAT-3"]);
    assert_eq!(task(&set, "PLAT-3").source.line, 4);
    assert_eq!(task(&set, "B1").depends_on, ["PLAT-1", "MOB-1"]);
    let hashed: Vec<&str> = set.sources.iter().map(|s| s.path.as_str()).collect();
    for f in ["TODO.md", "exports/jira.csv", "exports/linear.csv"] {
        assert!(hashed.contains(&f), "{hashed:?}");
    }
    let codes: Vec<&str> = set.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["not_planned"], "{:#?}", set.warnings);
}

#[test]
fn a_declared_file_linked_out_of_the_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("project.yaml"),
        project("  - markdown: TODO.md\n  - jira: exports/jira.csv\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("TODO.md")).unwrap();
    std::os::unix::fs::symlink("/etc", dir.join("exports")).unwrap();
    let packed = curator::folder::bundle_from_dir(dir, None, &curator::Limits::default()).unwrap();
    let refused: Vec<(&str, &str)> = packed
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            ("TODO.md", "outside_folder"),
            ("exports/jira.csv", "outside_folder")
        ]
    );
    assert!(
        packed
            .bundle
            .sources
            .iter()
            .all(|s| s.path == "project.yaml")
    );
}
