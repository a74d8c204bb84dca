// The WebSocket that nostr-tools (ours, and the copy inside @getalby/sdk) is given. When
// nostr-tools closes a relay connection it first drops its own error handler, and `ws`
// reports closing a socket that is still connecting as an 'error' event: with no
// listener left, Node throws it and the whole server stops. That happens when a job or
// a wallet call ends while the relay is slow to answer. This socket keeps one listener
// that ignores errors; nostr-tools still hears every error through its own handler
// while it has one.
import WebSocket from 'ws';

export class RelaySocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}
