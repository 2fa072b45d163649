//! The archivist's HTTP behaviour a client notices: tokens, errors, the
//! listing, the public key, and the pages a project lead bookmarks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Archive, Backend, client, decision, get, get_text, post, snapshot};

#[test]
fn writes_need_the_token_when_one_is_configured_and_reads_stay_open() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start_with(&[("VPM_WRITE_TOKEN", "s3cret-token")]);
    let c = client();
    let body = decision("demo", 1);

    let r = c.post(proc.url("/v1/records")).json(&body).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let error: Value = r.json().unwrap();
    assert_eq!(error["error"]["code"], "unauthorized");

    let r = c
        .post(proc.url("/v1/records"))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // An unauthenticated client learns nothing about the body's validity.
    let r = c
        .post(proc.url("/v1/records"))
        .body("not json")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let r = c
        .post(proc.url("/v1/records"))
        .bearer_auth("s3cret-token")
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(
        get(&c, &proc, "/v1/records")["records"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(get_text(&c, &proc, "/v1/log/checkpoint").0, 200);

    // The token never reaches the logs.
    assert!(!proc.logs().join("\n").contains("s3cret-token"));
}

#[test]
fn invalid_submissions_list_every_problem() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    let mut body = snapshot("demo", 1, "2026-01-05", "x");
    body["trace_id"] = json!("not-a-trace");
    body["inputs"][0]["sha256"] = json!("abc");
    body["subject"]["document"]["project_id"] = json!("other");
    let (status, error) = post(&c, &proc, &body);
    assert_eq!(status, 422, "{error}");
    let paths: Vec<&str> = error["error"]["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "trace_id",
            "subject.document.project_id",
            "inputs[0].sha256"
        ]
    );

    let r = c
        .post(proc.url("/v1/records"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = c
        .post(proc.url("/v1/records"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Nothing was appended by any of these.
    assert_eq!(
        get(&c, &proc, "/v1/records")["records"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn the_listing_pages_by_cursor_and_filters_by_project_kind_and_time() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    for i in 0..7 {
        post(&c, &proc, &decision("alpha", i));
    }
    let before_snapshots = chrono::Utc::now().to_rfc3339();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for i in 0..3 {
        post(&c, &proc, &snapshot("beta", 100 + i, "2026-01-05", "x"));
    }
    let mut seen = Vec::new();
    let mut path = "/v1/records?project_id=alpha&limit=3".to_owned();
    loop {
        let page = get(&c, &proc, &path);
        for r in page["records"].as_array().unwrap() {
            assert_eq!(r["project_id"], "alpha");
            seen.push(r["leaf_index"].as_u64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/records?project_id=alpha&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![6, 5, 4, 3, 2, 1, 0],
        "newest first, every record once"
    );

    let snaps = get(&c, &proc, "/v1/records?kind=pm_snapshot_v1");
    assert_eq!(snaps["records"].as_array().unwrap().len(), 3);
    assert_eq!(snaps["records"][0]["as_of_date"], "2026-01-05");
    let since = get(
        &c,
        &proc,
        &format!("/v1/records?since={}", before_snapshots.replace('+', "%2B")),
    );
    assert_eq!(since["records"].as_array().unwrap().len(), 3);
    assert_eq!(get_text(&c, &proc, "/v1/records?since=yesterday").0, 400);
    assert_eq!(get_text(&c, &proc, "/v1/records?cursor=zz").0, 400);
}

#[test]
fn the_public_key_endpoint_gives_the_configured_key_and_never_the_private_one() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    let key = get(&c, &proc, "/v1/log/public-key");
    assert_eq!(key["verifier_key"], archive.verifier().verifier_key());
    assert_eq!(key["origin"], support::ORIGIN);
    let pem = archive.key.to_pkcs8_pem().unwrap();
    let secret_line = pem.lines().nth(1).unwrap();
    assert!(!key.to_string().contains(secret_line));
    assert!(!proc.logs().join("\n").contains(secret_line));
    // An empty log still has a signed checkpoint (size 0).
    let (_, note) = get_text(&c, &proc, "/v1/log/checkpoint");
    let head = vpm_tlog::checkpoint::open(&note, &archive.verifier()).unwrap();
    assert_eq!(head.size, 0);
}

#[test]
fn a_different_key_on_an_existing_archive_refuses_to_start() {
    let archive = Archive::new(Backend::Sqlite);
    drop(archive.start());
    let other = vpm_tlog::LogKey::generate(support::ORIGIN).unwrap();
    let other_file = archive.dir.path().join("other.pem");
    std::fs::write(&other_file, other.to_pkcs8_pem().unwrap()).unwrap();
    let port = vpm_testkit::free_port().to_string();
    let url = archive.url.clone();
    let mut proc = vpm_testkit::Proc::spawn(
        "archivist",
        &[],
        &[
            ("PORT", &port),
            ("VPM_HOST", "127.0.0.1"),
            ("VPM_ARCHIVE_URL", &url),
            ("VPM_SIGNING_KEY_FILE", other_file.to_str().unwrap()),
            ("VPM_LOG_ORIGIN", support::ORIGIN),
        ],
        port.parse().unwrap(),
    );
    let status = proc
        .wait_exit(std::time::Duration::from_secs(15))
        .expect("it must exit");
    assert!(!status.success());
    assert!(
        proc.logs().join("\n").contains("one signer"),
        "{}",
        proc.logs().join("\n")
    );
}

#[test]
fn the_project_page_shows_the_latest_snapshot_and_the_earlier_ones_escaped() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    post(
        &c,
        &proc,
        &snapshot("demo", 1, "2026-01-05", "Set up the archive"),
    );
    post(
        &c,
        &proc,
        &snapshot("demo", 2, "2026-01-12", "Wire the pipeline"),
    );
    post(
        &c,
        &proc,
        &snapshot(
            "demo",
            3,
            "2026-01-19",
            "<script>alert('x')</script> & ship",
        ),
    );
    post(&c, &proc, &decision("demo", 4));

    let (status, page) = get_text(&c, &proc, "/v1/projects/demo");
    assert_eq!(status, 200);
    assert!(page.contains("Latest snapshot: as of 2026-01-19"), "{page}");
    assert!(page.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; ship"));
    assert!(
        !page.contains("<script>"),
        "nothing in a record becomes markup"
    );
    assert!(page.contains("Wire the pipeline") && page.contains("2026-01-05"));
    assert_eq!(page.matches("data-verified=\"true\"").count(), 4, "{page}");
    assert!(page.contains("Decision D-4"));
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "self-contained"
    );

    let (status, latest) = get_text(&c, &proc, "/v1/projects/demo/latest");
    assert_eq!(status, 200);
    assert!(latest.contains("Snapshot as of 2026-01-19"));
    assert!(latest.contains("vpm:activity/synthesizer"));
    let r = c.get(proc.url("/v1/projects/demo/latest")).send().unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    // The page cannot be framed by another site, nor sniffed into another type.
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(get_text(&c, &proc, "/v1/projects/nobody").0, 404);

    // A snapshot altered in the database (the document stored beside its
    // record) shows as not verified on the page.
    archive.execute(
        "UPDATE attachments SET content = CAST(replace(CAST(content AS TEXT), 'Wire the pipeline', 'Wire the pipelines') AS BLOB) \
         WHERE name = 'vpm:subject' AND leaf_index = 1",
        "UPDATE attachments SET content = convert_to(replace(convert_from(content, 'UTF8'), 'Wire the pipeline', 'Wire the pipelines'), 'UTF8') \
         WHERE name = 'vpm:subject' AND record_id = (SELECT record_id FROM entries WHERE leaf_index = 1)",
    );
    let (_, page) = get_text(&c, &proc, "/v1/projects/demo");
    assert_eq!(page.matches("data-verified=\"false\"").count(), 1, "{page}");
}
