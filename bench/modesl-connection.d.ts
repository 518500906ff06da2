// modesl ships no types; the floor script (bare-modesl-floor.ts) uses its inbound Connection.
declare module 'modesl/lib/esl/Connection' {
  interface ModeslEvent {
    getHeader(name: string): string | null;
    getBody(): string;
  }
  class Connection {
    constructor(host: string, port: number, password: string, ready?: () => void);
    events(type: 'plain' | 'json', events: string, callback?: () => void): void;
    bgapi(command: string, args: string, callback?: (event: ModeslEvent) => void): void;
    api(command: string, args: string, callback?: (event: ModeslEvent) => void): void;
    on(event: string, listener: (event: ModeslEvent) => void): this;
    once(event: string, listener: (event: ModeslEvent) => void): this;
    disconnect(): void;
  }
  export = Connection;
}
