//! Message review: a room's handler is invoked through the Lambda Invoke API
//! at `--lambda-endpoint` (here a stub Lambda in the test), and each outcome
//! is checked as clients see it.

mod common;

use aws_sdk_ivschat::types::{ChatTokenCapability as Cap, FallbackResult, MessageReviewHandler};
use bytes::Bytes;
use common::messaging::{connect, next, quiet};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use ivsctl::emulator::EmulatorConfig;
use ivsctl::messaging::{Connection, Incoming};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review-chat";

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// A stub Lambda runtime: answers by the message's content.
fn stub_lambda(rt: &tokio::runtime::Handle) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let recorded = calls.clone();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let recorded = recorded.clone();
                    async move {
                        let path = req.uri().to_string();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        recorded.lock().unwrap().push((path, payload.clone()));
                        let content = payload["Content"].as_str().unwrap_or("").to_string();
                        let mut resp = Response::new(Full::new(Bytes::new()));
                        let answer = match content.as_str() {
                            "deny me" => json!({"ReviewResult": "DENY"}).to_string(),
                            "rewrite me" => json!({"ReviewResult": "ALLOW", "Content": "[redacted]", "Attributes": {"reviewed": "yes"}}).to_string(),
                            "fail" => {
                                *resp.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                                "boom".to_string()
                            }
                            "function error" => {
                                resp.headers_mut().insert("X-Amz-Function-Error", "Unhandled".parse().unwrap());
                                json!({"errorMessage": "oops"}).to_string()
                            }
                            "slow" => {
                                tokio::time::sleep(Duration::from_millis(600)).await;
                                json!({"ReviewResult": "ALLOW"}).to_string()
                            }
                            "invalid" => json!({"ReviewResult": "MAYBE"}).to_string(),
                            _ => json!({"ReviewResult": "ALLOW"}).to_string(),
                        };
                        *resp.body_mut() = Full::new(Bytes::from(answer));
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, calls)
}

async fn join(
    emu: &ivsctl::emulator::Emulator,
    client: &aws_sdk_ivschat::Client,
    room: &str,
    user: &str,
) -> Connection {
    let t = client
        .create_chat_token()
        .room_identifier(room)
        .user_id(user)
        .capabilities(Cap::SendMessage)
        .attributes("level", "3")
        .send()
        .await
        .unwrap();
    connect(emu, t.token().unwrap()).await
}

async fn room_with(client: &aws_sdk_ivschat::Client, fallback: FallbackResult) -> String {
    let handler = MessageReviewHandler::builder()
        .uri(HANDLER)
        .fallback_result(fallback)
        .build();
    common::room_arn(client.create_room().message_review_handler(handler)).await
}

/// Sends `content` from `a`; returns what `a` and `b` saw.
async fn exchange(
    a: &mut Connection,
    b: &mut Connection,
    content: &str,
) -> (Incoming, Option<Incoming>) {
    let attrs = BTreeMap::from([("k".to_string(), "v".to_string())]);
    a.send_message(content, content, &attrs).await.unwrap();
    let mine = next(a).await;
    let theirs = match &mine {
        Incoming::Message(_) => Some(next(b).await),
        _ => {
            quiet(b).await;
            None
        }
    };
    (mine, theirs)
}

#[test]
fn review_allows_denies_rewrites_and_falls_back() {
    let emu_rt = tokio::runtime::Runtime::new().unwrap();
    let (lambda, calls) = stub_lambda(emu_rt.handle());
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        lambda_endpoint: Some(lambda),
        ..Default::default()
    });
    emu.block_on(async {
        let allow_room = room_with(&client, FallbackResult::Allow).await;
        let deny_room = room_with(&client, FallbackResult::Deny).await;
        let mut a = join(&emu, &client, &allow_room, "alice").await;
        let mut b = join(&emu, &client, &allow_room, "bob").await;

        // ALLOW: delivered as sent; the payload is the documented one.
        let (mine, theirs) = exchange(&mut a, &mut b, "hello").await;
        let Incoming::Message(m) = mine else {
            panic!("{mine:?}")
        };
        assert_eq!(Some(Incoming::Message(m.clone())), theirs);
        assert_eq!(m.content, "hello");
        let (path, payload) = calls.lock().unwrap().last().cloned().unwrap();
        assert_eq!(path, "/2015-03-31/functions/review-chat/invocations");
        assert_eq!(payload["Content"], "hello");
        assert_eq!(
            payload["MessageId"],
            m.id.as_str(),
            "MessageId is the delivered Id"
        );
        assert_eq!(payload["RoomArn"], allow_room.as_str());
        assert_eq!(payload["Attributes"], json!({"k": "v"}));
        assert_eq!(payload["Sender"]["UserId"], "alice");
        assert_eq!(payload["Sender"]["Attributes"], json!({"level": "3"}));
        assert_eq!(payload["Sender"]["Ip"], "127.0.0.1");

        // DENY: a 406 ERROR to the sender; nobody else sees anything.
        let (mine, theirs) = exchange(&mut a, &mut b, "deny me").await;
        let Incoming::Error(e) = mine else {
            panic!("{mine:?}")
        };
        assert_eq!(
            (e.error_code, e.request_id.as_deref()),
            (406, Some("deny me"))
        );
        assert_eq!(theirs, None);

        // Rewrite: everyone sees the handler's content and attributes.
        let (mine, theirs) = exchange(&mut a, &mut b, "rewrite me").await;
        let Incoming::Message(m) = mine else {
            panic!("{mine:?}")
        };
        assert_eq!(m.content, "[redacted]");
        assert_eq!(m.attributes["reviewed"], "yes");
        assert!(
            !m.attributes.contains_key("k"),
            "the handler's attributes replace the sent ones"
        );
        assert_eq!(Some(Incoming::Message(m)), theirs);

        // Failures with fallbackResult ALLOW: delivered as sent.
        for content in ["fail", "function error", "slow", "invalid"] {
            let (mine, theirs) = exchange(&mut a, &mut b, content).await;
            assert!(
                matches!(&mine, Incoming::Message(m) if m.content == content),
                "{content}: {mine:?}"
            );
            assert!(theirs.is_some(), "{content}");
        }

        // The same failures with fallbackResult DENY: 406.
        let mut c = join(&emu, &client, &deny_room, "carol").await;
        let mut d = join(&emu, &client, &deny_room, "dave").await;
        for content in ["fail", "function error", "slow", "invalid"] {
            let (mine, theirs) = exchange(&mut c, &mut d, content).await;
            assert!(
                matches!(&mine, Incoming::Error(e) if e.error_code == 406),
                "{content}: {mine:?}"
            );
            assert_eq!(theirs, None, "{content}");
        }
        // An explicit ALLOW still passes in a DENY-fallback room.
        let (mine, _) = exchange(&mut c, &mut d, "fine").await;
        assert!(matches!(mine, Incoming::Message(_)));

        // Removing the handler (UpdateRoom with an empty uri) stops review.
        client
            .update_room()
            .identifier(&deny_room)
            .message_review_handler(MessageReviewHandler::builder().uri("").build())
            .send()
            .await
            .unwrap();
        let before = calls.lock().unwrap().len();
        let (mine, _) = exchange(&mut c, &mut d, "deny me").await;
        assert!(matches!(mine, Incoming::Message(_)), "{mine:?}");
        assert_eq!(calls.lock().unwrap().len(), before);
    });
}

#[test]
fn a_short_timeout_applies_the_fallback_sooner() {
    let emu_rt = tokio::runtime::Runtime::new().unwrap();
    let (lambda, _) = stub_lambda(emu_rt.handle());
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        lambda_endpoint: Some(lambda),
        lambda_timeout: Duration::from_millis(50),
        ..Default::default()
    });
    emu.block_on(async {
        let room = room_with(&client, FallbackResult::Deny).await;
        let mut a = join(&emu, &client, &room, "a").await;
        let started = std::time::Instant::now();
        a.send_message("r", "slow", &BTreeMap::new()).await.unwrap();
        assert!(matches!(next(&mut a).await, Incoming::Error(e) if e.error_code == 406));
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    });
}

#[test]
fn without_a_lambda_endpoint_messages_pass_unreviewed() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    emu.block_on(async {
        let room = room_with(&client, FallbackResult::Deny).await;
        let mut a = join(&emu, &client, &room, "a").await;
        let mut b = join(&emu, &client, &room, "b").await;
        let (mine, theirs) = exchange(&mut a, &mut b, "deny me").await;
        assert!(matches!(mine, Incoming::Message(_)), "{mine:?}");
        assert!(theirs.is_some());
    });
}

#[test]
fn the_lambda_endpoint_must_be_http() {
    let err = ivsctl::emulator::Emulator::start_background(EmulatorConfig {
        lambda_endpoint: Some("https://lambda.example".into()),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("--lambda-endpoint must be an http:// URL"),
        "{err}"
    );
}

#[test]
fn skipping_review_is_said_once_on_stderr() {
    let proc = common::EmulatorProcess::start(&[], std::process::Stdio::piped());
    let endpoint = proc.endpoint();
    let client = common::sdk(&endpoint);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let room = room_with(&client, FallbackResult::Deny).await;
        let t = client
            .create_chat_token()
            .room_identifier(&room)
            .user_id("u")
            .capabilities(Cap::SendMessage)
            .send()
            .await
            .unwrap();
        let mut c = Connection::connect(&endpoint.replace("http://", "ws://"), t.token().unwrap())
            .await
            .unwrap();
        for i in 0..3 {
            c.send_message(&i.to_string(), "hi", &BTreeMap::new())
                .await
                .unwrap();
            assert!(matches!(next(&mut c).await, Incoming::Message(_)));
        }
    });
    let err = proc.term();
    assert_eq!(
        err.matches("no --lambda-endpoint is set").count(),
        1,
        "{err}"
    );
}
