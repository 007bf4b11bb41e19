//! Every operation of both AWS models is routed, and its input is validated exactly as the
//! model says, on the wire: a walk over the whole model with generated requests.

#![allow(clippy::unwrap_used)]

mod common;

use cognate_model::schema::{Kind, ServiceDef};
use cognate_model::{identity, idp};
use cognate_server::Server;
use serde_json::{Map, Value, json};

async fn post(endpoint: &str, target: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", target)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

struct Op {
    target: String,
    name: &'static str,
    errors: Vec<&'static str>,
    service: &'static ServiceDef,
    input: Option<usize>,
}

fn all_ops() -> Vec<Op> {
    let mut ops = Vec::new();
    for service in [&idp::SERVICE, &identity::SERVICE] {
        for def in service.operations {
            ops.push(Op {
                target: format!("{}.{}", service.target_prefix, def.name),
                name: def.name,
                errors: def.errors.to_vec(),
                service,
                input: def.input,
            });
        }
    }
    ops
}

fn members(op: &Op) -> &'static [cognate_model::schema::MemberDef] {
    match op.input.map(|i| &op.service.shapes[i].kind) {
        Some(Kind::Structure(m)) => m,
        _ => &[],
    }
}

/// `{}` to every operation: never `UnknownOperationException`; a validation error naming every
/// required member (AWS lists at most ten), or — for operations with nothing required — a
/// success or one of the operation's modeled errors.
#[tokio::test]
async fn empty_request_to_every_operation() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let ops = all_ops();
    assert_eq!(ops.len(), 153 + 23);
    for op in &ops {
        let (status, v) = post(&url, &op.target, &json!({})).await;
        let kind = v["__type"].as_str().unwrap_or_default();
        assert_ne!(kind, "UnknownOperationException", "{}: {v}", op.name);
        let required: Vec<_> = members(op).iter().filter(|m| m.required).collect();
        if required.is_empty() {
            assert!(
                status == 200 || op.errors.contains(&kind),
                "{}: {status} {v}",
                op.name
            );
            continue;
        }
        assert_eq!(
            (status, kind),
            (400, "InvalidParameterException"),
            "{}: {v}",
            op.name
        );
        assert!(op.errors.contains(&kind), "{}", op.name);
        let message = v["message"].as_str().unwrap();
        let n = required.len().min(10);
        let head = if n == 1 {
            "1 validation error detected: ".to_owned()
        } else {
            format!("{n} validation errors detected: ")
        };
        assert!(message.starts_with(&head), "{}: {message}", op.name);
        for m in required.iter().take(10) {
            let needle = format!(
                "Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(m.name)
            );
            assert!(message.contains(&needle), "{}: {message}", op.name);
        }
    }
    server.shutdown().await;
}

/// A value that fits `shape` in JSON type but breaks one of its constraints, with the phrase
/// AWS uses for that constraint; `None` when the shape has no constraint to break.
fn violation(service: &ServiceDef, shape: u16) -> Option<(Value, String)> {
    match &service.shape(shape).kind {
        Kind::String { max: Some(max), .. } => Some((
            Value::String("a".repeat(*max as usize + 1)),
            format!("Member must have length less than or equal to {max}"),
        )),
        Kind::String { values, .. } if !values.is_empty() => Some((
            Value::String("NOT_A_VALUE".into()),
            format!(
                "Member must satisfy enum value set: [{}]",
                values.join(", ")
            ),
        )),
        Kind::String { min: Some(min), .. } if *min > 0 => Some((
            Value::String(String::new()),
            format!("Member must have length greater than or equal to {min}"),
        )),
        Kind::Integer { max: Some(max), .. } | Kind::Long { max: Some(max), .. }
            if *max < i32::MAX as i64 =>
        {
            Some((
                json!(max + 1),
                format!("Member must have value less than or equal to {max}"),
            ))
        }
        Kind::List {
            max: Some(max),
            member,
            ..
        } => {
            // max + 1 null elements: too long (and each element null).
            let _ = member;
            Some((
                Value::Array(vec![Value::Null; *max as usize + 1]),
                format!("Member must have length less than or equal to {max}"),
            ))
        }
        _ => None,
    }
}

/// For every operation, each top-level member that has a constraint is sent breaking it (one
/// request per member, nothing else in the body): the answer names that member with AWS's
/// phrase, and quotes the value unless the shape is sensitive. Then the same member with the
/// wrong JSON type is a `SerializationException`.
#[tokio::test]
async fn every_constraint_of_every_top_level_member() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let mut checked = 0;
    for op in &all_ops() {
        for m in members(op) {
            let shape = op.service.shape(m.shape);
            let path = lower_first(m.name);
            if let Some((value, phrase)) = violation(op.service, m.shape) {
                let mut body = Map::new();
                body.insert(m.name.into(), value.clone());
                let (status, v) = post(&url, &op.target, &Value::Object(body)).await;
                assert_eq!(status, 400, "{}.{}: {v}", op.name, m.name);
                let message = v["message"].as_str().unwrap_or_default();
                let expected = if shape.sensitive {
                    format!("Value at '{path}' failed to satisfy constraint: {phrase}")
                } else if let Value::String(s) = &value {
                    format!("Value '{s}' at '{path}' failed to satisfy constraint: {phrase}")
                } else {
                    format!("at '{path}' failed to satisfy constraint: {phrase}")
                };
                assert!(
                    message.contains(&expected),
                    "{}.{}: expected …{expected}… in {message}",
                    op.name,
                    m.name
                );
                checked += 1;
            }
            let wrong = match shape.kind {
                Kind::String { .. } | Kind::Integer { .. } | Kind::Long { .. } => json!([1]),
                Kind::Boolean => json!("yes"),
                Kind::Structure(_) | Kind::Map { .. } => json!(5),
                Kind::List { .. } => json!(5),
                _ => continue,
            };
            let mut body = Map::new();
            body.insert(m.name.into(), wrong);
            let (status, v) = post(&url, &op.target, &Value::Object(body)).await;
            assert_eq!(
                (status, v["__type"].as_str()),
                (400, Some("SerializationException")),
                "{}.{}: {v}",
                op.name,
                m.name
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} checks");
    server.shutdown().await;
}
