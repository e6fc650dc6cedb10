// The official IVS Chat JavaScript client (amazon-ivs-chat-messaging) against
// ivsctl's emulator. Run by tests/chat_js.rs, which owns the control plane:
// this script asks it for tokens and control-plane calls with
//   CONTROL {"op": ...}            (one line on stdout)
// and reads the answer as one JSON line on stdin. It ends with
//   RESULT {"passed": [...], "failed": [{"name", "error"}]}
// and exits 0 when every check passed.
//
// Environment: IVS_CHAT_URL (ws://host:port of the emulator), ROOM (a room
// with default limits), LIMITED_ROOM (maximumMessageLength 10,
// maximumMessageRatePerSecond 1).
'use strict';

globalThis.WebSocket = require('ws');
const {
  ChatRoom,
  SendMessageRequest,
  DeleteMessageRequest,
  DisconnectUserRequest,
} = require('amazon-ivs-chat-messaging');
const readline = require('readline');

const URL = process.env.IVS_CHAT_URL;
const ROOM = process.env.ROOM;
const LIMITED_ROOM = process.env.LIMITED_ROOM;

// --- the control channel to the Rust test -----------------------------------
const answers = [];
const waiting = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const answer = JSON.parse(line);
  const w = waiting.shift();
  if (w) w(answer);
  else answers.push(answer);
});
function control(request) {
  process.stdout.write(`CONTROL ${JSON.stringify(request)}\n`);
  return new Promise((resolve, reject) => {
    const done = (a) => (a.error ? reject(new Error(a.error)) : resolve(a));
    if (answers.length) done(answers.shift());
    else waiting.push(done);
  });
}

// --- helpers -----------------------------------------------------------------
const passed = [];
const failed = [];
async function check(name, fn) {
  try {
    await fn();
    passed.push(name);
  } catch (e) {
    failed.push({ name, error: String((e && e.stack) || e) });
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
function within(ms, promise, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ]);
}
/** The next `event` of the room that satisfies `pred`. */
function nextEvent(room, event, pred = () => true, ms = 5000) {
  return within(
    ms,
    new Promise((resolve) => {
      const remove = room.addListener(event, (x) => {
        if (pred(x)) {
          remove();
          resolve(x);
        }
      });
    }),
    `${event} on ${room.id}`,
  );
}
/** A logger that keeps errors (the client logs refused handshakes there). */
function recordingLogger() {
  const errors = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(...args) {
      errors.push(args.map((a) => (a && a.message) || (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    },
  };
}
/** A connected ChatRoom whose tokens come from CreateChatToken. */
async function join(roomArn, userId, capabilities, extra = {}) {
  const room = new ChatRoom({
    regionOrUrl: URL,
    id: userId,
    maxReconnectAttempts: 0,
    tokenProvider: () => control({ op: 'CreateChatToken', roomArn, userId, capabilities, ...extra }),
  });
  room.logger = recordingLogger();
  const connected = nextEvent(room, 'connect', () => true, 5000);
  room.connect();
  await connected;
  return room;
}
function rejection(promise) {
  return within(5000, promise, 'an answer').then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e) => e,
  );
}

// --- the checks --------------------------------------------------------------
async function main() {
  const alice = await join(ROOM, 'alice', ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'], {
    attributes: { role: 'host' },
  });
  const bob = await join(ROOM, 'bob', ['SEND_MESSAGE']);
  const viewer = await join(ROOM, 'viewer', []);
  let hello;

  await check('two clients send and receive messages', async () => {
    const bobSees = nextEvent(bob, 'message', (m) => m.content === 'hello');
    hello = await within(5000, alice.sendMessage(new SendMessageRequest('hello', { mood: 'happy' })), 'the echo');
    const seen = await bobSees;
    assert(seen.id === hello.id, `same id ${seen.id} / ${hello.id}`);
    assert(seen.sender.userId === 'alice', `sender ${seen.sender.userId}`);
    assert(seen.sender.attributes.role === 'host', 'sender attributes');
    assert(seen.attributes.mood === 'happy', 'message attributes');
    assert(seen.sendTime instanceof Date && !isNaN(seen.sendTime), 'sendTime is a date');
    const reply = await within(5000, bob.sendMessage(new SendMessageRequest('hi alice')), 'bob echo');
    assert(reply.sender.userId === 'bob', 'bob is the sender');
  });

  await check('control-plane SendEvent reaches every client with its id', async () => {
    const seenByBob = nextEvent(bob, 'event', (e) => e.eventName === 'app:poll');
    const seenByViewer = nextEvent(viewer, 'event', (e) => e.eventName === 'app:poll');
    const sent = await control({ op: 'SendEvent', roomArn: ROOM, eventName: 'app:poll', attributes: { q: 'tea?' } });
    const [e1, e2] = await Promise.all([seenByBob, seenByViewer]);
    assert(e1.id === sent.id && e2.id === sent.id, `event id ${e1.id} is SendEvent's ${sent.id}`);
    assert(e1.attributes.q === 'tea?', 'event attributes');
  });

  await check('control-plane DeleteMessage reaches clients as messageDelete', async () => {
    const seen = nextEvent(viewer, 'messageDelete');
    const sent = await control({ op: 'DeleteMessage', roomArn: ROOM, id: hello.id, reason: 'off topic' });
    const d = await seen;
    assert(d.messageId === hello.id, `messageId ${d.messageId}`);
    assert(d.reason === 'off topic', `reason ${d.reason}`);
    assert(d.id === sent.id, 'the event id is DeleteMessage\'s id');
  });

  await check('deleteMessage from a client with DELETE_MESSAGE resolves', async () => {
    const seen = nextEvent(bob, 'messageDelete', (d) => d.reason === 'mine');
    const d = await within(5000, alice.deleteMessage(new DeleteMessageRequest(hello.id, 'mine')), 'delete');
    assert(d.messageId === hello.id, 'messageId');
    await seen;
  });

  await check('a missing capability is error 403', async () => {
    const e = await rejection(viewer.sendMessage(new SendMessageRequest('may I?')));
    assert(e.errorCode === 403, `errorCode ${e.errorCode}: ${e.errorMessage}`);
    const e2 = await rejection(bob.deleteMessage(new DeleteMessageRequest(hello.id)));
    assert(e2.errorCode === 403, `errorCode ${e2.errorCode}`);
  });

  await check('an over-long message is error 400', async () => {
    const limited = await join(LIMITED_ROOM, 'lena', ['SEND_MESSAGE']);
    const e = await rejection(limited.sendMessage(new SendMessageRequest('x'.repeat(11))));
    assert(e.errorCode === 400, `errorCode ${e.errorCode}: ${e.errorMessage}`);
    limited.disconnect();
  });

  await check('a rate overrun is error 429', async () => {
    const limited = await join(LIMITED_ROOM, 'rita', ['SEND_MESSAGE']);
    // The room allows one message per second, all clients together.
    await new Promise((r) => setTimeout(r, 1100));
    const first = limited.sendMessage(new SendMessageRequest('one'));
    const second = limited.sendMessage(new SendMessageRequest('two'));
    await within(5000, first, 'the first message');
    const e = await rejection(second);
    assert(e.errorCode === 429, `errorCode ${e.errorCode}: ${e.errorMessage}`);
    limited.disconnect();
  });

  await check('a reused token is refused (401)', async () => {
    const t = await control({ op: 'CreateChatToken', roomArn: ROOM, userId: 'reuse', capabilities: [] });
    const once = new ChatRoom({ regionOrUrl: URL, maxReconnectAttempts: 0, tokenProvider: async () => t });
    once.logger = recordingLogger();
    const connected = nextEvent(once, 'connect');
    once.connect();
    await connected;
    const again = new ChatRoom({ regionOrUrl: URL, maxReconnectAttempts: 0, tokenProvider: async () => t });
    again.logger = recordingLogger();
    const gone = nextEvent(again, 'disconnect');
    again.connect();
    const reason = await gone;
    assert(reason === 'socketError', `disconnect reason ${reason}`);
    assert(again.logger.errors.some((m) => m.includes('401')), `logged: ${again.logger.errors}`);
    once.disconnect();
  });

  await check('an expired token is refused (401)', async () => {
    // The test's second emulator gives tokens 500 ms of validity.
    const t = await control({ op: 'CreateChatToken', short: true, userId: 'late', capabilities: [] });
    await new Promise((r) => setTimeout(r, 800));
    const late = new ChatRoom({ regionOrUrl: t.url, maxReconnectAttempts: 0, tokenProvider: async () => t });
    late.logger = recordingLogger();
    const gone = nextEvent(late, 'disconnect');
    late.connect();
    const reason = await gone;
    assert(reason === 'socketError', `disconnect reason ${reason}`);
    assert(late.logger.errors.some((m) => m.includes('401')), `logged: ${late.logger.errors}`);
  });

  await check('messages from ivsctl chat send reach the official client', async () => {
    const seen = nextEvent(viewer, 'message', (m) => m.content === 'from ivsctl');
    const sent = await control({ op: 'IvsctlSend', roomArn: ROOM, message: 'from ivsctl' });
    const m = await seen;
    assert(m.id === sent.id, `id ${m.id} / ${sent.id}`);
    assert(m.sender.userId === 'ivsctl', `sender ${m.sender.userId}`);
  });

  await check('a message for ivsctl chat tail', async () => {
    await within(5000, alice.sendMessage(new SendMessageRequest('from js')), 'the echo');
  });

  await check('disconnectUser from a client with DISCONNECT_USER resolves', async () => {
    const carol = await join(ROOM, 'carol', []);
    const carolGone = nextEvent(carol, 'disconnect');
    const d = await within(5000, alice.disconnectUser(new DisconnectUserRequest('carol', 'bye')), 'disconnect');
    assert(d.userId === 'carol' && d.reason === 'bye', JSON.stringify(d));
    const reason = await carolGone;
    assert(reason === 'serverDisconnect', `carol's disconnect reason ${reason}`);
  });

  await check('control-plane DisconnectUser disconnects that user and tells the others', async () => {
    const told = nextEvent(alice, 'userDisconnect', (u) => u.userId === 'bob');
    const bobGone = nextEvent(bob, 'disconnect');
    await control({ op: 'DisconnectUser', roomArn: ROOM, userId: 'bob', reason: 'rude' });
    const u = await told;
    assert(u.reason === 'rude', `reason ${u.reason}`);
    const reason = await bobGone;
    assert(reason === 'serverDisconnect', `bob's disconnect reason ${reason}`);
    assert(bob.state === 'disconnected', `bob's state ${bob.state}`);
    assert(alice.state === 'connected', 'alice stays');
  });

  alice.disconnect();
  viewer.disconnect();
}

main()
  .catch((e) => failed.push({ name: 'setup', error: String((e && e.stack) || e) }))
  .finally(() => {
    process.stdout.write(`RESULT ${JSON.stringify({ passed, failed })}\n`);
    process.exit(failed.length ? 1 : 0);
  });
