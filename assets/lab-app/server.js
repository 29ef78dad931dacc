// The tutor lab's app: answers every request with a small page naming the machine that served it.
// Zero dependencies, started with `npm start`. PORT (default 3000) and MACHINE (default: the host
// name) come from the environment.
"use strict";
const http = require("http");
const os = require("os");

const port = Number(process.env.PORT || 3000);
const machine = process.env.MACHINE || os.hostname();
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>DumbPlay - Bootcamp DevOps</title></head>
<body><h1>Connect on DumbSound</h1><p>served by ${machine}</p></body></html>
`;

const server = http.createServer((req, res) => {
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(page),
    "X-Served-By": machine,
  });
  res.end(req.method === "HEAD" ? undefined : page);
});
server.listen(port, "0.0.0.0", () => {
  console.log(`DumbSound lab app on ${machine}, port ${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
