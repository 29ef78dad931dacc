// `npm run build` of the tutor lab's stand-in app: writes build/ as a Create React App build
// would (index.html and static/js/main.js), the page naming the machine that built it.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const machine = process.env.MACHINE || os.hostname();
const out = path.join(__dirname, "build");
fs.mkdirSync(path.join(out, "static", "js"), { recursive: true });
fs.writeFileSync(path.join(out, "index.html"), `<!doctype html>
<html><head><meta charset="utf-8"><title>DumbPlay - Bootcamp DevOps</title></head>
<body><h1>Connect on DumbSound</h1><p>built on ${machine}</p><script src="/static/js/main.js"></script></body></html>
`);
fs.writeFileSync(path.join(out, "static", "js", "main.js"), "console.log('DumbSound build');\n");
console.log("Compiled successfully.\n\nThe build folder is ready to be deployed.");
