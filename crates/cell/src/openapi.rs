//! The cell's OpenAPI 3.1 document: generated from the routes' annotations,
//! then completed with the responses the runtime itself can produce.
//!
//! A handler's annotation lists what the handler returns; it cannot know
//! that the body limit answers 413, that load shedding answers 503, or that
//! a malformed JSON body is a 400 before the handler runs. Those come from
//! layers every cell shares, so they are added here, once, to every
//! operation they can affect — which is what lets contract testers such as
//! schemathesis hold each cell to its document.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(components(schemas(ErrorBody, ErrorDetail)))]
struct RuntimeComponents;

const ERROR_REF: &str = "#/components/schemas/ErrorBody";

/// Completes `doc` and renders it as JSON.
///
/// `shed_paths` are the paths behind the concurrency limit and timeout.
pub(crate) fn finalize(
    mut doc: utoipa::openapi::OpenApi,
    title: &str,
    version: &str,
    summary: &str,
    shed_paths: &BTreeSet<String>,
) -> Value {
    doc.merge(RuntimeComponents::openapi());
    doc.info.title = title.to_owned();
    doc.info.version = version.to_owned();
    doc.info.description = Some(summary.to_owned());
    let mut json = serde_json::to_value(&doc).unwrap_or_else(|_| json!({}));
    if let Some(paths) = json.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !is_method(method) {
                    continue;
                }
                complete_operation(op, shed_paths.contains(path));
            }
        }
    }
    json
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn complete_operation(op: &mut Value, shed: bool) {
    let has_body = op.get("requestBody").is_some();
    let params: Vec<String> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("in")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(responses) = op
        .as_object_mut()
        .map(|o| o.entry("responses").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_owned()).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}
            })
        });
    };
    add("500", "A fault of the cell (never caused by the input)");
    if shed {
        add(
            "503",
            "Overloaded or timed out; retry after the `Retry-After` seconds",
        );
    }
    if has_body {
        add(
            "400",
            "The body is not well-formed (not JSON, or not the right shape)",
        );
        add("413", "The body is larger than the configured limit");
        add(
            "415",
            "The body is not of a media type this operation accepts",
        );
        add(
            "422",
            "Well-formed, but invalid; `details` lists every problem",
        );
    }
    if params.iter().any(|p| p == "query") {
        add("400", "A query parameter is missing or malformed");
    }
    if params.iter().any(|p| p == "path") {
        add("400", "A path parameter is malformed");
        add("404", "Nothing exists at this path");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_responses_are_added_where_they_can_occur() {
        let mut post = json!({"requestBody": {}, "responses": {"200": {"description": "ok"}}});
        complete_operation(&mut post, true);
        for status in ["200", "400", "413", "415", "422", "500", "503"] {
            assert!(post["responses"].get(status).is_some(), "missing {status}");
        }
        let mut get = json!({"responses": {"200": {"description": "ok"}}});
        complete_operation(&mut get, false);
        assert!(get["responses"].get("413").is_none());
        assert!(get["responses"].get("503").is_none());
        assert_eq!(
            get["responses"]["500"]["content"]["application/json"]["schema"]["$ref"],
            ERROR_REF
        );
    }

    #[test]
    fn handler_declared_responses_are_kept() {
        let mut op = json!({"requestBody": {}, "responses": {"422": {"description": "mine"}}});
        complete_operation(&mut op, true);
        assert_eq!(op["responses"]["422"]["description"], "mine");
    }
}
