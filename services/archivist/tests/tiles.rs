//! The archive as C2SP tlog-tiles, read by a client that is not ours.
//!
//! Everything here reads only `GET /checkpoint` and `GET /tile/…` over
//! HTTP and checks them with Cloudflare's `tlog_tiles` (its `TileHashReader`
//! authenticates every tile against the checkpoint's root, as Go's
//! `sumdb/tlog` does) and `signed_note` — no vpm-tlog code — so a log that
//! only our own verifier could read would fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use signed_note::{Note, StandardVerifier, VerifierList};
use support::{Archive, Backend, ORIGIN, client, decision, get, large_snapshot, post, snapshot};
use tlog_tiles::{
    Checkpoint, Hash, HashReader, Tile, TileHashReader, TileReader, check_record, check_tree,
    prove_record, prove_tree, record_hash, stored_hash_index, tree_hash,
};
use vpm_testkit::Proc;
use vpm_testkit::reqwest::blocking::Client;

/// A tile reader over HTTP, as any tlog-tiles client would write it: the
/// C2SP path of a height-8 tile is the Go path without the height element.
struct HttpTiles<'a> {
    client: &'a Client,
    proc: &'a Proc,
    /// Flip one bit of every tile served (to show that tampering is caught).
    tamper: bool,
}

impl TileReader for HttpTiles<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let go_path = t.path();
                let c2sp = format!("/tile/{}", go_path.strip_prefix("tile/8/").unwrap());
                let r = self.client.get(self.proc.url(&c2sp)).send().unwrap();
                assert_eq!(r.status().as_u16(), 200, "GET {c2sp}");
                let mut data = r.bytes().unwrap().to_vec();
                if self.tamper {
                    data[0] ^= 1;
                }
                Ok(data)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// A checkpoint fetched from `/checkpoint` and opened with signed_note.
fn fetch_checkpoint(client: &Client, proc: &Proc, vkey: &str) -> (u64, Hash) {
    let r = client.get(proc.url("/checkpoint")).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let text = r.text().unwrap();
    let note = Note::from_bytes(text.as_bytes()).unwrap();
    let verifiers = VerifierList::new(vec![Box::new(StandardVerifier::new(vkey).unwrap())]);
    note.verify(&verifiers).expect("the checkpoint's signature");
    let checkpoint = Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!(checkpoint.origin(), ORIGIN);
    (checkpoint.size(), *checkpoint.hash())
}

/// The entries of the bundle holding leaf `index` in a tree of `size`,
/// decoded by hand from the spec: big-endian uint16 length, then the bytes.
fn bundle(client: &Client, proc: &Proc, index: u64, size: u64) -> Vec<Vec<u8>> {
    let n = index / 256;
    let width = (size - n * 256).min(256);
    let mut tile = Tile::new(8, 0, n, u32::try_from(width).unwrap(), true);
    tile.set_is_data();
    let path = format!(
        "/tile/entries/{}",
        tile.path().strip_prefix("tile/8/data/").unwrap()
    );
    let r = client.get(proc.url(&path)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    let mut data: &[u8] = &r.bytes().unwrap();
    let mut entries = Vec::new();
    while !data.is_empty() {
        let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
        entries.push(data[2..2 + len].to_vec());
        data = &data[2 + len..];
    }
    assert_eq!(entries.len() as u64, width, "{path}");
    entries
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Backend::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(super::Backend::Postgres) })*
        }
    };
}

on_both_backends!(
    a_tile_client_reproduces_every_checkpoint_and_proves_every_record,
    a_snapshot_larger_than_an_entry_now_fits_its_bundle,
);

fn a_tile_client_reproduces_every_checkpoint_and_proves_every_record(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let client = client();
    let vkey = get(&client, &proc, "/v1/log/public-key")["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Sizes that cross tile edges: partial and full level-0 tiles, and
    // (past 256) a partial level-1 tile.
    let stops = [1u64, 2, 255, 256, 257, 300, 512, 513, 600];
    let mut checkpoints = Vec::new();
    let mut leaf_hashes = Vec::new();
    for n in 0..600u64 {
        let body = if n % 7 == 3 {
            decision("tiles", n)
        } else {
            snapshot("tiles", n, "2026-01-05", "Ship tiles")
        };
        let (status, receipt) = post(&client, &proc, &body);
        assert_eq!(status, 201, "{receipt}");
        leaf_hashes.push(receipt["leaf_hash"].as_str().unwrap().to_owned());
        if stops.contains(&(n + 1)) {
            checkpoints.push(fetch_checkpoint(&client, &proc, &vkey));
        }
    }
    assert_eq!(
        checkpoints.iter().map(|c| c.0).collect::<Vec<_>>(),
        stops.to_vec()
    );

    let tiles = HttpTiles {
        client: &client,
        proc: &proc,
        tamper: false,
    };
    for &(size, root) in &checkpoints {
        let reader = TileHashReader::new(size, root, &tiles);
        assert_eq!(tree_hash(size, &reader).unwrap(), root, "size {size}");
        // Every record of the smaller trees, and a spread of the largest.
        let step = if size > 300 { 37 } else { 1 };
        for index in (0..size).step_by(step).chain([size - 1]) {
            let entries = bundle(&client, &proc, index, size);
            let entry = &entries[(index % 256) as usize];
            let hash = record_hash(entry);
            // The tiles commit to the very leaf hash our receipts gave.
            assert_eq!(hash.to_string(), hex_to_b64(&leaf_hashes[index as usize]));
            let proof = prove_record(size, index, &reader).unwrap();
            check_record(&proof, size, root, index, hash)
                .unwrap_or_else(|e| panic!("leaf {index} of {size}: {e:?}"));
            let stored = reader.read_hashes(&[stored_hash_index(0, index)]).unwrap();
            assert_eq!(stored, vec![hash]);
            // An altered entry is not in the tree.
            let mut altered = entry.clone();
            altered[0] ^= 1;
            assert!(check_record(&proof, size, root, index, record_hash(&altered)).is_err());
        }
    }
    for (i, &(old_size, old_root)) in checkpoints.iter().enumerate() {
        for &(new_size, new_root) in &checkpoints[i..] {
            let reader = TileHashReader::new(new_size, new_root, &tiles);
            let proof = prove_tree(new_size, old_size, &reader).unwrap();
            check_tree(&proof, new_size, new_root, old_size, old_root)
                .unwrap_or_else(|e| panic!("{old_size} -> {new_size}: {e:?}"));
        }
    }
    // A client handed altered tiles notices before using a single hash.
    let tampered = HttpTiles {
        client: &client,
        proc: &proc,
        tamper: true,
    };
    let (size, root) = checkpoints[checkpoints.len() - 1];
    let reader = TileHashReader::new(size, root, &tampered);
    assert!(prove_record(size, 5, &reader).is_err());
}

/// tlog_tiles prints hashes in base64.
fn hex_to_b64(hex: &str) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Sends `GET <target>` byte for byte (an HTTP client would normalise
/// `..` away) and returns the status and headers.
fn raw_get(proc: &Proc, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", proc.port)).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap_or_default();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[test]
fn tiles_are_cached_by_their_kind_and_paths_are_distrusted() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let client = client();
    // 300 leaves: level-0 tile 0 full, tile 1 partial (44), level-1 partial (1).
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let (client, proc) = (&client, &proc);
            s.spawn(move || {
                for n in 0..75u64 {
                    let (status, _) = post(client, proc, &decision("cache", t * 1000 + n));
                    assert_eq!(status, 201);
                }
            });
        }
    });
    let fetch = |path: &str| {
        let r = client.get(proc.url(path)).send().unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.bytes().unwrap())
    };
    for (path, len, cache) in [
        (
            "/tile/0/000",
            256 * 32,
            "public, max-age=31536000, immutable",
        ),
        ("/tile/0/001.p/44", 44 * 32, "public, max-age=60"),
        ("/tile/0/001.p/3", 3 * 32, "public, max-age=60"),
        ("/tile/1/000.p/1", 32, "public, max-age=60"),
    ] {
        let (status, headers, body) = fetch(path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(body.len(), len, "{path}");
        assert_eq!(headers["content-type"], "application/octet-stream");
        assert_eq!(headers["cache-control"], cache, "{path}");
    }
    let (status, headers, _) = fetch("/tile/entries/000");
    assert_eq!(status, 200);
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(fetch("/tile/entries/001.p/44").0, 200);

    // Well-formed, but beyond the tree of 300 leaves.
    for path in [
        "/tile/0/001",
        "/tile/0/001.p/45",
        "/tile/0/002.p/1",
        "/tile/1/000",
        "/tile/1/000.p/2",
        "/tile/2/000.p/1",
        "/tile/entries/001",
        "/tile/entries/001.p/45",
        "/tile/8/x001/x002/003",
        "/tile/entries/x018/x446/x744/x073/x709/x551/615",
    ] {
        let (status, headers, body) = fetch(path);
        assert_eq!(status, 404, "{path}");
        assert!(headers["content-type"].to_str().unwrap().contains("json"));
        assert!(String::from_utf8_lossy(&body).contains("not in the tree"));
    }
    // Not tile paths at all: refused before the database is asked.
    for path in [
        "/tile/0/1",
        "/tile/0/0000",
        "/tile/00/000",
        "/tile/64/000",
        "/tile/0/x000/001",
        "/tile/0/000.p/0",
        "/tile/0/000.p/256",
        "/tile/0/000.p/08",
        "/tile/data/000",
        "/tile/entries/x018/x446/x744/x073/x709/x551/616",
        "/tile/0/%ff%fe",
        &format!("/tile/0/{}000", "x001/".repeat(30)),
    ] {
        let (status, _, body) = fetch(path);
        assert_eq!(status, 400, "{path}");
        assert!(
            String::from_utf8_lossy(&body).contains("\"code\""),
            "{path}"
        );
    }
    for target in [
        "/tile/../checkpoint",
        "/tile/0/../../checkpoint",
        "/tile/%2e%2e/checkpoint",
        "/tile/0/000/..",
    ] {
        let (status, answer) = raw_get(&proc, target);
        assert!(
            status == 400 || status == 404,
            "{target}: {status}\n{answer}"
        );
        assert!(
            !answer.contains("vpm-archive\n"),
            "{target} served a checkpoint"
        );
    }
}

/// The snapshot of a large project (its document alone is over the
/// 65,535 bytes an entry may have) is kept beside a small leaf, so the
/// entry bundle holding it is served like any other and a tile client
/// proves the record from the bundle's bytes.
fn a_snapshot_larger_than_an_entry_now_fits_its_bundle(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let client = client();
    let vkey = get(&client, &proc, "/v1/log/public-key")["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, small) = post(&client, &proc, &decision("big", 1));
    assert_eq!(status, 201, "{small}");
    let body = large_snapshot("big", 2, 800);
    assert!(
        body["subject"]["document"].to_string().len() > 65_535,
        "the document alone is too large for an entry"
    );
    let (status, receipt) = post(&client, &proc, &body);
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["leaf_index"], 1);

    let (size, root) = fetch_checkpoint(&client, &proc, &vkey);
    assert_eq!(size, 2);
    let tiles = HttpTiles {
        client: &client,
        proc: &proc,
        tamper: false,
    };
    let reader = TileHashReader::new(size, root, &tiles);
    assert_eq!(tree_hash(size, &reader).unwrap(), root);
    let entries = bundle(&client, &proc, 1, size);
    let entry = &entries[1];
    assert!(entry.len() < 65_535, "a {} byte entry", entry.len());
    let hash = record_hash(entry);
    assert_eq!(
        hash.to_string(),
        hex_to_b64(receipt["leaf_hash"].as_str().unwrap())
    );
    let proof = prove_record(size, 1, &reader).unwrap();
    check_record(&proof, size, root, 1, hash).expect("the large snapshot's record is in the tree");
    // The entry commits to the document by its hash, which the archivist
    // serves with the record.
    let view = get(
        &client,
        &proc,
        &format!("/v1/records/{}", receipt["record_id"].as_str().unwrap()),
    );
    let sha = view["signed_record"]["record"]["subject"]["sha256"]
        .as_str()
        .unwrap();
    let text = String::from_utf8(entry.clone()).unwrap();
    assert!(text.contains(&format!("\"sha256\":\"{sha}\"")), "{text}");
    assert!(
        !text.contains("Week 799"),
        "the document is not in the entry"
    );
    assert_eq!(view["document"], body["subject"]["document"]);
}
