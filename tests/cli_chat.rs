//! `ivsctl chat token | send-event | delete-message | disconnect-user`
//! through the real binary against an in-process emulator: the exit code,
//! stdout, stderr, and what reached the API (the emulator's request log).
//!
//! The contract (docs/usage.md, chat; docs/emulator.md for the calls):
//! arguments are checked before any call against the API's rules, with
//! errors that name the flag (the cases: tests/chat/arguments.yaml); ROOM is
//! an ARN or a logical key resolved through `-f FILE` (ownership tags); a
//! chat token is printed on stdout only, never in `-v` output or errors.
//!
//! The fixture and the output checks: tests/cli_chat_support/mod.rs.

mod cli_chat_support;
mod common;

use cli_chat_support::{
    assert_id, assert_time, printed_token, squash, By, Fixture, EACH_WAY, KEY, MESSAGE_ID,
    MISSING_ROOM, STACK, TOKEN_PREFIX,
};
use common::Output;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------
// The four commands, by ARN and by key, plain and JSON

#[test]
fn token_prints_the_token_and_both_expiration_times() {
    let fx = Fixture::new();
    let rest = "--user-id viewer-1 --capability SEND_MESSAGE --capability DELETE_MESSAGE --session-minutes 15 --attribute displayName=Ada --attribute query=a=b";
    let input = json!({
        "userId": "viewer-1",
        "capabilities": ["SEND_MESSAGE", "DELETE_MESSAGE"],
        "sessionDurationInMinutes": 15,
        "attributes": {"displayName": "Ada", "query": "a=b"},
    });
    for (json, out, window) in fx.each_way("token", rest, "CreateChatToken", input) {
        let t = printed_token(&out, json);
        let (token, session) = (&t.token_expiration, &t.session_expiration);
        assert_time(
            "tokenExpirationTime",
            token,
            window,
            Duration::from_secs(60),
        );
        assert_time(
            "sessionExpirationTime",
            session,
            window,
            Duration::from_secs(15 * 60),
        );
    }
}

#[test]
fn token_with_only_a_user_id_sends_no_optional_member_and_lasts_an_hour() {
    let fx = Fixture::new();
    for (json, spec) in [
        (false, "chat token ARN --user-id u"),
        (true, "chat token ARN --user-id u JSON"),
    ] {
        let before = SystemTime::now();
        let out = fx.run(spec);
        let window = (before, SystemTime::now());
        let input = fx.only_call(By::Arn, "CreateChatToken", out.success());
        assert_eq!(input, json!({"roomIdentifier": fx.arn, "userId": "u"}));
        let session = printed_token(&out, json).session_expiration;
        assert_time(
            "sessionExpirationTime",
            &session,
            window,
            Duration::from_secs(3600),
        );
    }
}

#[test]
fn send_event_prints_the_event_id() {
    let fx = Fixture::new();
    let rest = "--event-name app:poll --attribute question=Pizza? --attribute 'choices=yes no'";
    let input =
        json!({"eventName": "app:poll", "attributes": {"question": "Pizza?", "choices": "yes no"}});
    for (json, out, _) in fx.each_way("send-event", rest, "SendEvent", input) {
        assert_id(&out, json);
    }
    // Without attributes, none are sent.
    let out = fx.run("chat send-event ROOM --event-name ping");
    let input = fx.only_call(By::Key, "SendEvent", out.success());
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "eventName": "ping"})
    );
    assert_id(&out, false);
}

#[test]
fn delete_message_prints_the_operation_id() {
    let fx = Fixture::new();
    let rest = format!("--message-id {MESSAGE_ID} --reason 'spam, twice'");
    let input = json!({"id": MESSAGE_ID, "reason": "spam, twice"});
    for (json, out, _) in fx.each_way("delete-message", &rest, "DeleteMessage", input) {
        assert_id(&out, json);
    }
    // Without --reason, no reason is sent.
    let out = fx.run(&format!(
        "chat delete-message ARN --message-id {MESSAGE_ID} JSON"
    ));
    let input = fx.only_call(By::Arn, "DeleteMessage", out.success());
    assert_eq!(input, json!({"roomIdentifier": fx.arn, "id": MESSAGE_ID}));
    assert_id(&out, true);
}

#[test]
fn disconnect_user_disconnects_and_says_so() {
    let fx = Fixture::new();
    let input = json!({"userId": "troll-7", "reason": "Be nice."});
    let rest = "--user-id troll-7 --reason 'Be nice.'";
    for (json, out, _) in fx.each_way("disconnect-user", rest, "DisconnectUser", input) {
        match json {
            true => assert_eq!(out.json()["userId"], "troll-7", "{out}"),
            false => drop(out.stdout_contains("troll-7")),
        }
    }
    // Without --reason, no reason is sent.
    let out = fx.run("chat disconnect-user ARN --user-id troll-7");
    let input = fx.only_call(By::Arn, "DisconnectUser", out.success());
    assert_eq!(
        input,
        json!({"roomIdentifier": fx.arn, "userId": "troll-7"})
    );
}

#[test]
fn an_arn_with_a_manifest_is_used_as_given() {
    // -f with an ARN: the manifest is read (its region), the room is not looked up.
    let fx = Fixture::new();
    let out = fx.run(&format!(
        "chat send-event ARN --event-name e -f {}",
        fx.manifest
    ));
    let input = fx.only_call(By::Arn, "SendEvent", out.success());
    assert_eq!(input["roomIdentifier"], fx.arn.as_str());
}

// ---------------------------------------------------------------------------
// Key resolution

#[test]
fn key_resolution_reads_only_list_rooms_pages() {
    // The stack's room is the oldest of 61: ListRooms (newest first, at most
    // 50 a page) shows it on the second page only.
    let fx = Fixture::new();
    for i in 0..58 {
        fx.ctx.room(json!({"tags": {"n": i.to_string()}}));
    }
    let page = fx
        .ctx
        .emu
        .block_on(fx.ctx.sdk.list_rooms().max_results(50).send())
        .unwrap();
    let on_first = page.rooms().iter().any(|r| r.arn() == Some(&fx.arn));
    assert!(
        page.next_token().is_some() && !on_first,
        "the room is on the second page"
    );
    // Two pages (the minimum at the API's largest page size), nothing else.
    fx.run("chat token ROOM --user-id u").success();
    assert_eq!(fx.ctx.ops(), ["ListRooms", "ListRooms", "CreateChatToken"]);
    assert_eq!(
        fx.ctx.inputs("CreateChatToken")[0]["roomIdentifier"],
        fx.arn.as_str()
    );
}

// ---------------------------------------------------------------------------
// Argument errors (exit 1, the flag named, no call at all) and the limits

/// The cases of `table` in tests/chat/arguments.yaml: (what, spec, expected).
fn argument_cases(table: &str) -> Vec<(String, String, String)> {
    let doc: Value = serde_yaml::from_str(include_str!("chat/arguments.yaml")).unwrap();
    let cases = doc[table].as_array().expect("the table");
    let split =
        |c: &Value| -> Vec<String> { c.as_str().unwrap().split(" | ").map(String::from).collect() };
    let case = |c: &Value| match &split(c)[..] {
        [what, args, expected] => (what.clone(), format!("chat {args}"), expected.clone()),
        other => panic!("not `what | args | expected`: {other:?}"),
    };
    cases.iter().map(case).collect()
}

/// Runs every case of `table`; `wrong` says what is wrong with a run, if
/// anything. Reports every failing case at once.
fn each_case(table: &str, wrong: impl Fn(&Fixture, &Output, &str) -> Option<String>) {
    let fx = Fixture::new();
    let mut failures = Vec::new();
    for (what, spec, expected) in argument_cases(table) {
        let out = fx.run(&spec);
        if let Some(why) = wrong(&fx, &out, &expected) {
            failures.push(format!("{what}: {why}\n{out}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn argument_errors_name_the_flag_and_call_nothing() {
    each_case("refused", |fx, out, flag| {
        let (ops, err) = (fx.ctx.ops(), &out.stderr);
        let ok = out.code == 1 && err.contains(flag) && out.stdout.is_empty() && ops.is_empty();
        let ok = ok && !err.contains(TOKEN_PREFIX);
        (!ok).then(|| {
            format!("want exit 1, `{flag}` on stderr, no stdout, no call, no token; calls {ops:?}")
        })
    });
}

#[test]
fn values_at_the_limits_are_accepted() {
    each_case("accepted", |fx, out, op| {
        let calls: Vec<(String, u16)> = fx
            .ctx
            .log()
            .into_iter()
            .map(|r| (r.operation, r.status))
            .collect();
        let ok = out.code == 0 && calls == [(op.to_string(), 200)];
        (!ok).then(|| format!("want exit 0 and one {op} answered 200; calls {calls:?}"))
    });
}

// ---------------------------------------------------------------------------
// Unknown rooms

#[test]
fn a_key_not_in_the_manifest_names_it_and_lists_the_rooms_without_a_call() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    fx.run(&format!(
        "chat token --room backstage -f {} --user-id u",
        fx.manifest
    ))
    .failure()
    .stdout_empty()
    .stderr_names(&["backstage", KEY, "stage"]); // the key, the manifest's rooms
    fx.ctx.assert_no_calls("key not in the manifest");
}

#[test]
fn a_key_not_in_a_manifest_without_rooms_says_so() {
    let fx = Fixture::new();
    let empty = fx
        .ctx
        .file("empty.yaml", &format!("version: 1\nstack: {STACK}\n"));
    fx.run(&format!(
        "chat send-event --room {KEY} -f {empty} --event-name e"
    ))
    .failure()
    .stderr_contains(KEY);
    fx.ctx.assert_no_calls("manifest without rooms");
}

#[test]
fn a_key_in_the_manifest_but_not_live_hints_at_apply_and_import() {
    let fx = Fixture::with_rooms(&[KEY, "stage"]);
    for sub in ["token", "disconnect-user"] {
        fx.run(&format!(
            "chat {sub} --room stage -f {} --user-id u",
            fx.manifest
        ))
        .failure()
        .stdout_empty()
        .stderr_names(&["stage", "apply", "import"]);
        // Looked up, not guessed: only the list, never the chat call.
        assert!(
            fx.ctx.ops().iter().all(|op| op == "ListRooms"),
            "{sub}: {:?}",
            fx.ctx.ops()
        );
    }
}

#[test]
fn a_room_arn_that_does_not_exist_surfaces_the_404() {
    let fx = Fixture::new();
    for (spec, op) in [
        ("token MISSING --user-id u", "CreateChatToken"),
        ("send-event MISSING --event-name e JSON", "SendEvent"),
        (
            "delete-message MISSING --message-id AbCdEfGhIjK1",
            "DeleteMessage",
        ),
        ("disconnect-user MISSING --user-id u JSON", "DisconnectUser"),
    ] {
        // Nothing on stdout; the error names the exception, the room and
        // the operation.
        let out = fx.run(&format!("chat {spec}"));
        out.failure()
            .stdout_empty()
            .stderr_names(&["ResourceNotFoundException", op]);
        assert!(squash(&out.stderr).contains(MISSING_ROOM), "{out}");
        // One call, answered 404, not retried.
        let call = &fx.ctx.log()[..];
        assert_eq!(fx.ctx.ops(), [op], "{spec}");
        assert_eq!(
            (call[0].status, &call[0].input["roomIdentifier"]),
            (404, &json!(MISSING_ROOM))
        );
    }
}

#[test]
fn a_key_claimed_by_two_rooms_names_both_arns_and_calls_nothing_else() {
    let fx = Fixture::new();
    let twin = fx.twin();
    let out = fx.run(&format!(
        "chat delete-message ROOM --message-id {MESSAGE_ID}"
    ));
    out.failure().stdout_empty();
    let err = squash(&out.stderr);
    assert!(
        err.contains(&fx.arn) && err.contains(&twin),
        "names both ARNs: {out}"
    );
    assert_eq!(fx.ctx.ops(), ["ListRooms"]);
}

#[test]
fn error_messages_keep_arns_whole() {
    // A user copies the ARN out of the message, a script greps for it: the
    // ARN must appear unbroken on stderr.
    let fx = Fixture::new();
    let out = fx.run("chat disconnect-user MISSING --user-id u");
    out.failure().stderr_contains(MISSING_ROOM);
    let twin = fx.twin();
    let out = fx.run("chat token ROOM --user-id u");
    out.failure().stderr_names(&[&fx.arn, &twin]);
}

// ---------------------------------------------------------------------------
// The token is a credential: stdout only

#[test]
fn the_token_is_on_stdout_only() {
    let fx = Fixture::new();
    for (by, json) in EACH_WAY {
        let format = if json { "JSON" } else { "" };
        let out = fx.run(&format!(
            "chat token {} --user-id u {format}",
            Fixture::room(by)
        ));
        printed_token(out.success(), json); // checks stderr
    }
}

/// `TOKEN=$(ivsctl chat token ...)`: plain stdout is the token and its
/// newline, nothing else; the details (both expiry times, the room) are on
/// stderr. The token is a real one: the emulator's Messaging API accepts it,
/// and a message sent with it comes back from the user it names.
#[test]
fn plain_stdout_is_only_the_token_and_it_connects() {
    let fx = Fixture::new();
    let out = fx.run("chat token ARN --user-id viewer-9 --capability SEND_MESSAGE");
    let t = printed_token(out.success(), false);
    assert_eq!(out.stdout, format!("{}\n", t.token), "{out}");
    out.stderr_contains(&format!("roomArn: {}", fx.arn));
    // The JSON form is unchanged, and its token has the same shape.
    let json = fx.run("chat token ARN --user-id viewer-9 JSON");
    let j = printed_token(json.success(), true);
    assert_eq!(json.json()["roomArn"], fx.arn.as_str());
    assert_eq!(j.token.len(), t.token.len(), "{out}\n{json}");
    let emu = &fx.ctx.emu;
    let echoed = emu.block_on(async {
        let mut c = common::messaging::connect(emu, &t.token).await;
        let no_attributes = std::collections::BTreeMap::new();
        c.send_message("req-1", "hello", &no_attributes)
            .await
            .expect("send");
        common::messaging::next(&mut c).await
    });
    match echoed {
        ivsctl::messaging::Incoming::Message(m) => {
            assert_eq!(
                (m.content.as_str(), m.sender.user_id.as_str()),
                ("hello", "viewer-9")
            );
        }
        other => panic!("the room did not echo the message: {other:?}"),
    }
}

#[test]
fn verbose_output_shows_the_calls_but_not_the_token() {
    let fx = Fixture::new();
    for verbose in ["-v", "-vv"] {
        for (by, json) in EACH_WAY {
            // -v shows the call, and the lookup when by key; never the token.
            let format = if json { "JSON" } else { "" };
            let rest = "--user-id u --capability SEND_MESSAGE --attribute a=b";
            let out = fx.run(&format!(
                "{verbose} chat token {} {rest} {format}",
                Fixture::room(by)
            ));
            out.success().stderr_contains("CreateChatToken");
            if by == By::Key {
                out.stderr_contains("ListRooms");
            }
            printed_token(&out, json);
        }
    }
}

#[test]
fn verbose_output_of_failures_has_no_token() {
    let fx = Fixture::new();
    // A failed call: the 404 is shown, no token anywhere.
    fx.run("-v chat token MISSING --user-id u JSON")
        .failure()
        .stderr_names(&["CreateChatToken", "ResourceNotFoundException"])
        .stderr_lacks(TOKEN_PREFIX)
        .stdout_lacks(TOKEN_PREFIX);
    // An argument error under -v: no call is even attempted (or shown).
    fx.run("-v chat token ROOM --user-id u --session-minutes 181")
        .failure()
        .stderr_contains("--session-minutes")
        .stderr_lacks("CreateChatToken")
        .stderr_lacks("ListRooms");
    fx.ctx.assert_no_calls("argument error under -v");
}
