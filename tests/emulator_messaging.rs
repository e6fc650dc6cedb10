//! The Messaging API (WebSocket) of the emulator: handshake and tokens,
//! actions and their capabilities, entities as the reference shapes them,
//! room limits, control-plane events, disconnections, session expiry.

mod common;

use aws_sdk_ivschat::types::ChatTokenCapability as Cap;
use aws_sdk_ivschat::Client;
use common::messaging::{connect, next, quiet, ws_url};
use ivsctl::emulator::EmulatorConfig;
use ivsctl::messaging::{ChatError, Connection, Incoming};
use std::collections::BTreeMap;
use std::time::Duration;

async fn token(client: &Client, room: &str, user: &str, caps: &[Cap]) -> String {
    let mut req = client
        .create_chat_token()
        .room_identifier(room)
        .user_id(user)
        .attributes("display", format!("{user}!"));
    for c in caps {
        req = req.capabilities(c.clone());
    }
    req.send().await.unwrap().token().unwrap().to_string()
}

async fn join(
    emu: &ivsctl::emulator::Emulator,
    client: &Client,
    room: &str,
    user: &str,
    caps: &[Cap],
) -> Connection {
    let t = token(client, room, user, caps).await;
    connect(emu, &t).await
}

async fn error_of(c: &mut Connection) -> ChatError {
    match next(c).await {
        Incoming::Error(e) => e,
        other => panic!("expected an ERROR, got {other:?}"),
    }
}

async fn room(client: &Client) -> String {
    common::room_arn(client.create_room()).await
}

fn no_attrs() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn two_clients_exchange_messages_shaped_as_the_reference_says() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    emu.block_on(async {
        let room = room(&client).await;
        let mut alice = join(&emu, &client, &room, "alice", &[Cap::SendMessage]).await;
        let mut bob = join(&emu, &client, &room, "bob", &[]).await;
        assert_eq!(emu.chat_connections(&room), 2);
        let attrs = BTreeMap::from([("color".to_string(), "red".to_string())]);
        alice
            .send_message("req-1", "hello bob", &attrs)
            .await
            .unwrap();
        let seen_by_alice = next(&mut alice).await;
        let seen_by_bob = next(&mut bob).await;
        assert_eq!(
            seen_by_alice, seen_by_bob,
            "every connection gets the same entity"
        );
        let Incoming::Message(m) = seen_by_bob else {
            panic!("{seen_by_bob:?}")
        };
        assert_eq!(m.request_id.as_deref(), Some("req-1"));
        assert_eq!(m.content, "hello bob");
        assert_eq!(m.attributes, attrs);
        assert_eq!(m.sender.user_id, "alice");
        assert_eq!(m.sender.attributes["display"], "alice!");
        assert_eq!(m.id.len(), 12);
        assert!(m.id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(
            m.send_time.ends_with('Z') && m.send_time.contains('.'),
            "{}",
            m.send_time
        );
        // A viewer token (no capabilities) cannot send: 403 to the sender only.
        bob.send_message("req-2", "hi", &no_attrs()).await.unwrap();
        let e = error_of(&mut bob).await;
        assert_eq!(
            (e.error_code, e.request_id.as_deref()),
            (403, Some("req-2"))
        );
        quiet(&mut alice).await;
    });
}

#[test]
fn handshake_echoes_the_token_and_refuses_bad_tokens() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        chat_token_validity: Duration::from_millis(300),
        ..Default::default()
    });
    emu.block_on(async {
        let room = room(&client).await;
        let t = token(&client, &room, "u", &[]).await;
        // Raw handshake: the selected subprotocol is the token.
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = ws_url(&emu).into_client_request().unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", t.parse().unwrap());
        let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .unwrap()
                .to_str()
                .unwrap(),
            t
        );
        assert_eq!(resp.headers().get("x-ivsctl-rate-quotas").unwrap(), "off");
        drop(ws);
        // The same token again: refused (a token is accepted once).
        let err = Connection::connect(&ws_url(&emu), &t)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("401") && err.contains("already been used"),
            "{err}"
        );
        // No token at all.
        let err = tokio_tungstenite::connect_async(ws_url(&emu))
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("401"), "{err}");
        // An expired token.
        let t = token(&client, &room, "u", &[]).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let err = Connection::connect(&ws_url(&emu), &t)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("401") && err.contains("expired"), "{err}");
        // A token for a room deleted since.
        let t = token(&client, &room, "u", &[]).await;
        client.delete_room().identifier(&room).send().await.unwrap();
        let err = Connection::connect(&ws_url(&emu), &t)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("404"), "{err}");
        // A made-up token.
        let err = Connection::connect(&ws_url(&emu), "AQICAHgnope")
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("401"), "{err}");
    });
}

#[test]
fn room_limits_apply_and_follow_update_room() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    emu.block_on(async {
        let limits = client
            .create_room()
            .maximum_message_length(5)
            .maximum_message_rate_per_second(2);
        let room = common::room_arn(limits).await;
        let mut a = join(&emu, &client, &room, "a", &[Cap::SendMessage]).await;
        let mut b = join(&emu, &client, &room, "b", &[Cap::SendMessage]).await;
        // Length counts characters: five two-byte characters pass, six do not.
        a.send_message("ok", "ééééé", &no_attrs()).await.unwrap();
        assert!(matches!(next(&mut a).await, Incoming::Message(m) if m.content == "ééééé"));
        assert!(matches!(next(&mut b).await, Incoming::Message(_)));
        a.send_message("long", "éééééé", &no_attrs()).await.unwrap();
        let e = error_of(&mut a).await;
        assert_eq!((e.error_code, e.request_id.as_deref()), (400, Some("long")));
        quiet(&mut b).await;
        // The rate is the room's, all clients together: one slot is left of 2.
        b.send_message("b1", "x", &no_attrs()).await.unwrap();
        assert!(matches!(next(&mut b).await, Incoming::Message(m) if m.request_id.as_deref() == Some("b1")));
        a.send_message("a2", "y", &no_attrs()).await.unwrap();
        assert!(matches!(next(&mut a).await, Incoming::Message(m) if m.request_id.as_deref() == Some("b1")));
        let e = error_of(&mut a).await;
        assert_eq!((e.error_code, e.request_id.as_deref()), (429, Some("a2")));
        quiet(&mut b).await;
        // A second later the bucket is full again (2), and the third is refused.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        for i in 0..3 {
            a.send_message(&format!("r{i}"), "z", &no_attrs()).await.unwrap();
        }
        let mut codes = Vec::new();
        for _ in 0..3 {
            match next(&mut a).await {
                Incoming::Message(_) => codes.push(200),
                Incoming::Error(e) => codes.push(e.error_code),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(codes, [200, 200, 429]);
        // UpdateRoom applies to the next message.
        client
            .update_room()
            .identifier(&room)
            .maximum_message_length(10)
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), b.next()).await {}
        a.send_message("after", "éééééé", &no_attrs()).await.unwrap();
        assert!(matches!(next(&mut a).await, Incoming::Message(m) if m.request_id.as_deref() == Some("after")));
    });
}

#[test]
fn actions_need_their_capability_and_reach_everyone() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    emu.block_on(async {
        let room = room(&client).await;
        let mut moderator = join(
            &emu,
            &client,
            &room,
            "mod",
            &[Cap::DeleteMessage, Cap::DisconnectUser],
        )
        .await;
        let mut viewer = join(&emu, &client, &room, "viewer", &[]).await;
        let mut troll = join(&emu, &client, &room, "troll", &[Cap::SendMessage]).await;
        let mut troll2 = join(&emu, &client, &room, "troll", &[]).await;
        // Without the capability: 403, to the requester only.
        viewer
            .delete_message("d0", "AbCdEfGhIjKl", None)
            .await
            .unwrap();
        assert_eq!(error_of(&mut viewer).await.error_code, 403);
        viewer.disconnect_user("x0", "troll", None).await.unwrap();
        assert_eq!(error_of(&mut viewer).await.error_code, 403);
        // DELETE_MESSAGE: an aws:DELETE_MESSAGE event to every connection.
        moderator
            .delete_message("d1", "AbCdEfGhIjKl", Some("spam"))
            .await
            .unwrap();
        for c in [&mut moderator, &mut viewer, &mut troll, &mut troll2] {
            let Incoming::Event(e) = next(c).await else {
                panic!()
            };
            assert_eq!(e.event_name, "aws:DELETE_MESSAGE");
            assert_eq!(e.request_id.as_deref(), Some("d1"));
            assert_eq!(e.attributes["MessageID"], "AbCdEfGhIjKl");
            assert_eq!(e.attributes["MessageId"], "AbCdEfGhIjKl");
            assert_eq!(e.attributes["Reason"], "spam");
        }
        // DISCONNECT_USER: the event to everyone, then every connection of
        // that user is closed; the others stay.
        moderator
            .disconnect_user("x1", "troll", Some("rude"))
            .await
            .unwrap();
        for c in [&mut moderator, &mut viewer, &mut troll, &mut troll2] {
            let Incoming::Event(e) = next(c).await else {
                panic!()
            };
            assert_eq!(e.event_name, "aws:DISCONNECT_USER");
            assert_eq!(e.attributes["UserId"], "troll");
            assert_eq!(e.attributes["Reason"], "rude");
        }
        for c in [&mut troll, &mut troll2] {
            assert!(matches!(next(c).await, Incoming::Closed { code: 1000, .. }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(emu.chat_connections(&room), 2);
        // Malformed requests: 400.
        viewer.send_raw("not json").await.unwrap();
        assert_eq!(error_of(&mut viewer).await.error_code, 400);
        viewer
            .send_raw(r#"{"Action":"DANCE","RequestId":"q"}"#)
            .await
            .unwrap();
        let e = error_of(&mut viewer).await;
        assert_eq!((e.error_code, e.request_id.as_deref()), (400, Some("q")));
        moderator.delete_message("d2", "", None).await.unwrap();
        assert_eq!(error_of(&mut moderator).await.error_code, 400);
    });
}

#[test]
fn control_plane_events_reach_connected_clients() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    emu.block_on(async {
        let room = room(&client).await;
        let other_room = self::room(&client).await;
        let mut a = join(&emu, &client, &room, "a", &[]).await;
        let mut b = join(&emu, &client, &room, "b", &[]).await;
        let mut elsewhere = join(&emu, &client, &other_room, "c", &[]).await;
        let sent = client
            .send_event()
            .room_identifier(&room)
            .event_name("app:poll")
            .attributes("q", "tea?")
            .send()
            .await
            .unwrap();
        for c in [&mut a, &mut b] {
            let Incoming::Event(e) = next(c).await else {
                panic!()
            };
            assert_eq!(e.id, sent.id().unwrap(), "SendEvent's id is the EVENT's Id");
            assert_eq!(e.event_name, "app:poll");
            assert_eq!(e.attributes["q"], "tea?");
            assert_eq!(e.request_id, None);
        }
        quiet(&mut elsewhere).await;
        let deleted = client
            .delete_message()
            .room_identifier(&room)
            .id("AbCdEfGhIjKl")
            .reason("off topic")
            .send()
            .await
            .unwrap();
        let Incoming::Event(e) = next(&mut a).await else {
            panic!()
        };
        assert_eq!(e.id, deleted.id().unwrap());
        assert_eq!(e.event_name, "aws:DELETE_MESSAGE");
        assert_eq!(e.attributes["MessageId"], "AbCdEfGhIjKl");
        assert_eq!(e.attributes["MessageID"], "AbCdEfGhIjKl");
        assert_eq!(e.attributes["Reason"], "off topic");
        let _ = next(&mut b).await;
        client
            .disconnect_user()
            .room_identifier(&room)
            .user_id("b")
            .reason("bye")
            .send()
            .await
            .unwrap();
        for c in [&mut a, &mut b] {
            let Incoming::Event(e) = next(c).await else {
                panic!()
            };
            assert_eq!(e.event_name, "aws:DISCONNECT_USER");
            assert_eq!(e.attributes["UserId"], "b");
            assert_eq!(e.attributes["Reason"], "bye");
        }
        assert!(matches!(
            next(&mut b).await,
            Incoming::Closed { code: 1000, .. }
        ));
        // Deleting the room closes every connection in it.
        client.delete_room().identifier(&room).send().await.unwrap();
        assert!(matches!(
            next(&mut a).await,
            Incoming::Closed { code: 1000, .. }
        ));
        quiet(&mut elsewhere).await;
    });
}

#[test]
fn the_session_ends_with_an_error_401_and_a_close() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig {
        chat_session_minute: Duration::from_millis(400),
        ..Default::default()
    });
    emu.block_on(async {
        let room = room(&client).await;
        let t = client
            .create_chat_token()
            .room_identifier(&room)
            .user_id("u")
            .session_duration_in_minutes(1)
            .send()
            .await
            .unwrap();
        let mut c = Connection::connect(&ws_url(&emu), t.token().unwrap())
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let e = error_of(&mut c).await;
        assert_eq!(e.error_code, 401);
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(
            next(&mut c).await,
            Incoming::Closed { code: 1000, .. }
        ));
    });
}

#[test]
fn stopping_the_emulator_closes_connections_with_going_away() {
    let (emu, client) = common::emulator_with_client(EmulatorConfig::default());
    let (room, t) = emu.block_on(async {
        let room = room(&client).await;
        let t = token(&client, &room, "u", &[]).await;
        (room, t)
    });
    let url = ws_url(&emu);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut c = rt.block_on(Connection::connect(&url, &t)).unwrap();
    assert_eq!(emu.chat_connections(&room), 1);
    drop(emu);
    let closed =
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), c.next()).await });
    assert!(
        matches!(closed, Ok(Some(Ok(Incoming::Closed { code: 1001, .. })))),
        "{closed:?}"
    );
}
