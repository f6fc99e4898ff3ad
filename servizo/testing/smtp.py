"""A real SMTP server for tests, in a thread on 127.0.0.1: it accepts mail or refuses it.

Refusing (`refuse = True`) answers `554` to MAIL FROM, as a mail server that rejects the sender does;
accepting, each message is kept in `messages` as (sender, recipients, raw data). Flip `refuse` to
watch a retry succeed.

`python -m servizo.testing.smtp --port N` runs one that accepts everything (the mail server of `make prod-local`).
"""

import socketserver
import threading


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: SmtpServer = self.server.smtp
        self.reply("220 servizo-test ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 servizo-test")
            elif verb == "MAIL":
                if server.refuse:
                    self.reply("554 5.7.1 Sender refused: test server says no")
                    continue
                sender, recipients = command[10:], []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:])
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                server.messages.append((sender, recipients, data.decode(errors="replace")))
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpServer:
    def __init__(self, *, refuse: bool = False, port: int = 0):
        self.refuse = refuse
        self.messages: list[tuple[str, list[str], str]] = []
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _Session)
        self._server.daemon_threads = True
        self._server.smtp = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="An SMTP server on 127.0.0.1 that accepts and keeps every message.")
    parser.add_argument("--port", type=int, required=True)
    server = SmtpServer(port=parser.parse_args().port)
    print(f"SMTP on 127.0.0.1:{server.port}", flush=True)
    threading.Event().wait()  # serve until killed
