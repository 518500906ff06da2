import { connect, type Socket } from 'node:net';

/** A TCP connection, or undefined when it cannot be made (the socket application's "Socket Error!"). */
export function connectTcp(host: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    // Errors after the connection is handed over are the owner's business, but an 'error' with
    // no listener at all would crash the process.
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(undefined));
  });
}
