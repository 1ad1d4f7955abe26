package dev.portico.cli.e2e;

/**
 * Sources of the servers the end-to-end tests deploy. Each runs a small Python HTTP server on
 * {@code $PORT} that answers with its container's id (and {@code $GREETING}), so a test can tell
 * containers apart; {@code /slow?S} sleeps S seconds first; {@code /headers} echoes the request
 * headers; {@code /env?NAME} answers the value of an environment variable; after
 * {@code /stop-accepting} the process keeps running and serving the connections it has, but
 * accepts no new ones (its listening socket is closed).
 */
final class Servers {

    private Servers() {}

    static final String PYTHON_SERVER = """
            import http.server, os, sys, time
            class H(http.server.BaseHTTPRequestHandler):
                protocol_version = 'HTTP/1.1'
                def do_GET(self):
                    if self.path.startswith('/slow?'):
                        time.sleep(float(self.path.split('?')[1]))
                    if self.path == '/stop-accepting':
                        self.server.socket.close()
                    if self.path == '/headers':
                        body = str(self.headers).encode()
                    elif self.path.startswith('/env?'):
                        body = os.environ.get(self.path.split('?')[1], '').encode()
                    else:
                        body = (os.environ['PORTICO_CONTAINER_ID'] + ' ' + os.environ.get('GREETING', '')).strip().encode()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            print('serving on', os.environ['PORT'], flush=True)
            http.server.ThreadingHTTPServer(('0.0.0.0', int(os.environ['PORT'])), H).serve_forever()
            """;

    /** A server class in package {@code test} with the given annotation attributes. */
    static String idServer(String className, String attributes) {
        return """
                package test;

                import dev.portico.Enter;
                import dev.portico.Exit;
                import dev.portico.Server;

                @Server(%s)
                public class %s {
                    static final String SCRIPT = \"""
                %s\""";

                    @Enter
                    void start() throws Exception {
                        new ProcessBuilder("python3", "-c", SCRIPT).inheritIO().start();
                    }

                    @Exit
                    void stop() {
                        System.out.println("exit hook ran in " + System.getenv("PORTICO_CONTAINER_ID"));
                    }
                }
                """.formatted(attributes, className, PYTHON_SERVER);
    }
}
