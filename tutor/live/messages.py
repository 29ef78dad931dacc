"""What the live checks say, in Indonesian and English: what was seen and what to do next.

Values put into these strings that came from a server are sanitized before (see sanitize.py).
"""

from __future__ import annotations

from tutor.i18n import tr

MESSAGES = {
    # --- a machine that did not answer HTTP (any check) ---
    "refused.app": {
        "en": "{label} refused the connection: the app is not running. On {name} run `npm start` in the dumbsound folder.",
        "id": "{label} menolak koneksi: aplikasinya tidak berjalan. Di {name} jalankan `npm start` di folder dumbsound.",
    },
    "refused.proxy": {
        "en": "{label} refused the connection: nginx is not running or not listening on port {port}. On {name} run `sudo systemctl status nginx`, then `sudo systemctl start nginx`.",
        "id": "{label} menolak koneksi: nginx tidak berjalan atau tidak mendengarkan port {port}. Di {name} jalankan `sudo systemctl status nginx`, lalu `sudo systemctl start nginx`.",
    },
    "timeout.app": {
        "en": "{label} did not answer within {timeout} s: the VM may be off, a firewall may drop the traffic, or the app hangs. On your laptop run `multipass list`; on {name} look at the `npm start` terminal.",
        "id": "{label} tidak menjawab dalam {timeout} detik: VM-nya mungkin mati, firewall membuang lalu lintasnya, atau aplikasinya macet. Di laptop jalankan `multipass list`; di {name} lihat terminal `npm start`.",
    },
    "timeout.proxy": {
        "en": "{label} did not answer within {timeout} s: the VM may be off, a firewall may drop the traffic, or nginx is waiting for an app that does not answer. On your laptop run `multipass list`; on {name} run `sudo tail /var/log/nginx/error.log`.",
        "id": "{label} tidak menjawab dalam {timeout} detik: VM-nya mungkin mati, firewall membuang lalu lintasnya, atau nginx menunggu aplikasi yang tidak menjawab. Di laptop jalankan `multipass list`; di {name} jalankan `sudo tail /var/log/nginx/error.log`.",
    },
    "unreachable": {
        "en": "{label} cannot be reached ({detail}): is the VM running and is the address right? On your laptop run `multipass list` and compare the IPv4 address.",
        "id": "{label} tidak bisa dijangkau ({detail}): apakah VM-nya berjalan dan alamatnya benar? Di laptop jalankan `multipass list` dan bandingkan alamat IPv4-nya.",
    },
    "dns": {
        "en": "The name {host} does not resolve on this machine ({detail}): give the VM's IP address instead (see `multipass list`).",
        "id": "Nama {host} tidak bisa di-resolve di mesin ini ({detail}): pakai alamat IP VM-nya (lihat `multipass list`).",
    },
    "vm_stopped": {
        "en": "multipass says {name} is {detail}: on your laptop run `multipass start {name}`.",
        "id": "Menurut multipass, {name} berstatus {detail}: di laptop jalankan `multipass start {name}`.",
    },
    "broken": {
        "en": "{label} answered, but not with valid HTTP ({detail}): another program may own port {port}. On {name} run `sudo ss -ltnp 'sport = :{port}'` to see which.",
        "id": "{label} menjawab, tapi bukan dengan HTTP yang benar ({detail}): mungkin program lain memakai port {port}. Di {name} jalankan `sudo ss -ltnp 'sport = :{port}'` untuk melihatnya.",
    },
    # --- app-running ---
    "app.ok": {
        "en": "Every app answers: {answers}.",
        "id": "Semua aplikasi menjawab: {answers}.",
    },
    "app.status": {
        "en": "{label} answered HTTP {status}: the app runs but fails. Look for the error in the `npm start` terminal on {name}.",
        "id": "{label} menjawab HTTP {status}: aplikasinya berjalan tapi gagal. Cari pesan error-nya di terminal `npm start` di {name}.",
    },
    # --- nginx-running ---
    "nginx.ok": {
        "en": "{label} answers as nginx (Server: {server}, HTTP {status}).",
        "id": "{label} menjawab sebagai nginx (Server: {server}, HTTP {status}).",
    },
    "nginx.not_nginx": {
        "en": "{label} answered, but its Server header is “{server}”, not nginx: another program answers on port {port}. On {name} run `sudo ss -ltnp 'sport = :{port}'`; install nginx with `sudo apt install nginx -y` or start it with `sudo systemctl start nginx`.",
        "id": "{label} menjawab, tapi header Server-nya “{server}”, bukan nginx: program lain menjawab di port {port}. Di {name} jalankan `sudo ss -ltnp 'sport = :{port}'`; pasang nginx dengan `sudo apt install nginx -y` atau nyalakan dengan `sudo systemctl start nginx`.",
    },
    "no_header": {"en": "(none)", "id": "(tidak ada)"},
    # --- proxy-pass ---
    "pass.ok": {
        "en": "http://{domain}/ through {label} returns the app's page{title} (HTTP {status}).",
        "id": "http://{domain}/ lewat {label} mengembalikan halaman aplikasi{title} (HTTP {status}).",
    },
    "pass.default_page": {
        "en": "{label} shows nginx's “Welcome to nginx!” page for {domain}: your server block is not used. On {name} check `server_name {domain};` and that nginx.conf includes your file (`include /etc/nginx/dumbways/*;` inside `http {{ }}`), then run `sudo nginx -t && sudo systemctl reload nginx`.",
        "id": "{label} menampilkan halaman “Welcome to nginx!” untuk {domain}: blok server kamu tidak dipakai. Di {name} periksa `server_name {domain};` dan bahwa nginx.conf meng-include file kamu (`include /etc/nginx/dumbways/*;` di dalam `http {{ }}`), lalu jalankan `sudo nginx -t && sudo systemctl reload nginx`.",
    },
    "pass.bad_gateway": {
        "en": "{label} answered 502 Bad Gateway for {domain}: nginx runs, but the app it passes requests to refused them. Start the app (`npm start`) and check the address and port in `proxy_pass`; on {name}, `sudo tail /var/log/nginx/error.log` names the address nginx tried.",
        "id": "{label} menjawab 502 Bad Gateway untuk {domain}: nginx berjalan, tapi aplikasi tujuan `proxy_pass` menolak. Nyalakan aplikasinya (`npm start`) dan periksa alamat serta port di `proxy_pass`; di {name}, `sudo tail /var/log/nginx/error.log` menyebut alamat yang dicoba nginx.",
    },
    "pass.gateway_timeout": {
        "en": "{label} answered 504 Gateway Timeout for {domain}: the app behind nginx did not answer in time (its VM is off or the app hangs). Check the app VM with `multipass list` and the address in `proxy_pass` on {name}.",
        "id": "{label} menjawab 504 Gateway Timeout untuk {domain}: aplikasi di belakang nginx tidak menjawab tepat waktu (VM-nya mati atau aplikasinya macet). Periksa VM aplikasi dengan `multipass list` dan alamat di `proxy_pass` di {name}.",
    },
    "pass.status": {
        "en": "{label} answered HTTP {status} for {domain} instead of the app's page. On {name} check `server_name {domain};` and the `location /` block with its `proxy_pass`; `sudo tail /var/log/nginx/error.log` may say more.",
        "id": "{label} menjawab HTTP {status} untuk {domain}, bukan halaman aplikasi. Di {name} periksa `server_name {domain};` dan blok `location /` beserta `proxy_pass`-nya; `sudo tail /var/log/nginx/error.log` mungkin memberi petunjuk.",
    },
    "pass.redirect": {
        "en": "{label} redirects {domain} ({status}) to “{location}”, which tutor does not follow (it only contacts the addresses you gave). For this lesson, serve the app over plain http on {name}.",
        "id": "{label} mengalihkan {domain} ({status}) ke “{location}”, yang tidak diikuti tutor (tutor hanya menghubungi alamat yang kamu berikan). Untuk pelajaran ini, sajikan aplikasinya lewat http biasa di {name}.",
    },
    # --- hosts-file ---
    "hosts.ok": {
        "en": "{domain} resolves on this machine to {found}: the proxy's address.",
        "id": "{domain} di mesin ini mengarah ke {found}: alamat proxy.",
    },
    "hosts.dns": {
        "en": "{domain} does not resolve on this machine. Add the line `{ip} {domain}` to /etc/hosts on your laptop (`sudo nano /etc/hosts`; on Windows edit C:\\Windows\\System32\\drivers\\etc\\hosts as administrator).",
        "id": "{domain} tidak bisa di-resolve di mesin ini. Tambahkan baris `{ip} {domain}` ke /etc/hosts di laptop (`sudo nano /etc/hosts`; di Windows ubah C:\\Windows\\System32\\drivers\\etc\\hosts sebagai administrator).",
    },
    "hosts.slow": {
        "en": "Looking up {domain} took longer than {timeout} s on this machine. Add the line `{ip} {domain}` to /etc/hosts on your laptop so it resolves at once.",
        "id": "Mencari {domain} di mesin ini lebih lama dari {timeout} detik. Tambahkan baris `{ip} {domain}` ke /etc/hosts di laptop agar langsung ketemu.",
    },
    "hosts.mismatch": {
        "en": "{domain} resolves on this machine to {found}, but the proxy is {proxy}. Change the line for {domain} in /etc/hosts on your laptop to `{ip} {domain}`.",
        "id": "{domain} di mesin ini mengarah ke {found}, padahal proxy-nya {proxy}. Ubah baris {domain} di /etc/hosts di laptop menjadi `{ip} {domain}`.",
    },
    # --- lb-distributes ---
    "lb.no_header": {
        "en": "Answers through {label} carry no X-Upstream header, so tutor cannot see which app served them. In `location /` on {name} add `add_header X-Upstream $upstream_addr always;`, then run `sudo nginx -t && sudo systemctl reload nginx`.",
        "id": "Jawaban lewat {label} tidak membawa header X-Upstream, jadi tutor tidak bisa melihat aplikasi mana yang melayani. Di `location /` di {name} tambahkan `add_header X-Upstream $upstream_addr always;`, lalu jalankan `sudo nginx -t && sudo systemctl reload nginx`.",
    },
    "lb.single": {
        "en": "All {n} answers through {label} came from {only}; {missing} never answered. Check that the `upstream` block on {name} lists every app (`server ADDRESS:3000;`) and that those apps run. (With `ip_hash`, one client always reaches the same app: that is expected.)",
        "id": "Semua {n} jawaban lewat {label} datang dari {only}; {missing} tidak pernah menjawab. Periksa bahwa blok `upstream` di {name} memuat semua aplikasi (`server ALAMAT:3000;`) dan aplikasinya berjalan. (Dengan `ip_hash`, satu klien selalu sampai ke aplikasi yang sama: itu memang wajar.)",
    },
    "lb.missing": {
        "en": "{n} answers through {label}: {split}; {missing} never answered. Add it to the `upstream` block on {name} (`server ADDRESS:3000;`) or start it.",
        "id": "{n} jawaban lewat {label}: {split}; {missing} tidak pernah menjawab. Tambahkan ke blok `upstream` di {name} (`server ALAMAT:3000;`) atau nyalakan aplikasinya.",
    },
    "lb.unknown": {
        "en": " Some answers came from {unknown}, which is none of the apps you gave.",
        "id": " Sebagian jawaban datang dari {unknown}, yang bukan aplikasi yang kamu berikan.",
    },
    "lb.ok": {
        "en": "{n} answers through {label}: {split} (expected {expected}). {sure}",
        "id": "{n} jawaban lewat {label}: {split} (harapannya {expected}). {sure}",
    },
    "lb.uneven": {
        "en": "{n} answers through {label}: {split} (expected {expected}). {sure} Compare the `upstream` block on {name} (`server` lines, `weight=`, `backup`, `down`) with what you meant.",
        "id": "{n} jawaban lewat {label}: {split} (harapannya {expected}). {sure} Bandingkan blok `upstream` di {name} (baris `server`, `weight=`, `backup`, `down`) dengan yang kamu maksud.",
    },
    "lb.sure_ok": {
        "en": "A split at least this far from the expected one happens by chance in {pct} of tries (p = {p}), so it matches.",
        "id": "Pembagian yang menyimpang setidaknya sejauh ini terjadi secara kebetulan pada {pct} percobaan (p = {p}), jadi sudah sesuai.",
    },
    "lb.sure_bad": {
        "en": "If nginx shared requests as expected, a split this uneven would happen by chance in only {pct} of tries (p = {p}), so it very likely does not.",
        "id": "Kalau nginx membagi permintaan sesuai harapan, pembagian setimpang ini hanya terjadi secara kebetulan pada {pct} percobaan (p = {p}), jadi kemungkinan besar pembagiannya tidak sesuai.",
    },
    "lb.short": {
        "en": " (Only {n} requests fitted in {budget} s, so this judgement is rough.)",
        "id": " (Hanya {n} permintaan yang muat dalam {budget} detik, jadi penilaian ini kasar.)",
    },
    # --- lb-failover ---
    "fo.none_stopped": {
        "en": "Every app still answers, so there is nothing to fail over from. Stop one app first (Ctrl-C on `npm start` on {example}), then run lb-failover again.",
        "id": "Semua aplikasi masih menjawab, jadi belum ada yang perlu digantikan. Matikan satu aplikasi dulu (Ctrl-C pada `npm start` di {example}), lalu jalankan lb-failover lagi.",
    },
    "fo.still_running": {
        "en": "{label} still answers (HTTP {status}): stop it first (Ctrl-C on `npm start` on {name}), then run lb-failover again.",
        "id": "{label} masih menjawab (HTTP {status}): matikan dulu (Ctrl-C pada `npm start` di {name}), lalu jalankan lb-failover lagi.",
    },
    "fo.all_stopped": {
        "en": "Every app is stopped, so nginx on {label} has nowhere to send requests ({statuses}). Start all apps but one (`npm start`), then run lb-failover again.",
        "id": "Semua aplikasi mati, jadi nginx di {label} tidak punya tujuan untuk permintaan ({statuses}). Nyalakan semua aplikasi kecuali satu (`npm start`), lalu jalankan lb-failover lagi.",
    },
    "fo.errors": {
        "en": "{failed} of {n} requests through {label} failed ({statuses}) while {stopped} was stopped: nginx did not move them to the other apps. Check that the `upstream` block on {name} lists every app and that `proxy_next_upstream` is not `off`; `sudo tail /var/log/nginx/error.log` shows what nginx tried.",
        "id": "{failed} dari {n} permintaan lewat {label} gagal ({statuses}) saat {stopped} mati: nginx tidak memindahkannya ke aplikasi lain. Periksa bahwa blok `upstream` di {name} memuat semua aplikasi dan `proxy_next_upstream` tidak `off`; `sudo tail /var/log/nginx/error.log` menunjukkan apa yang dicoba nginx.",
    },
    "fo.timeout": {
        "en": "Requests through {label} did not finish within {timeout} s while {stopped} was stopped: nginx is probably waiting for it (a powered-off VM makes nginx wait `proxy_connect_timeout`, 60 s by default). Lower it, e.g. `proxy_connect_timeout 2s;` in `location /` on {name}.",
        "id": "Permintaan lewat {label} tidak selesai dalam {timeout} detik saat {stopped} mati: nginx kemungkinan menunggunya (VM yang dimatikan membuat nginx menunggu `proxy_connect_timeout`, bawaannya 60 detik). Turunkan, misalnya `proxy_connect_timeout 2s;` di `location /` di {name}.",
    },
    "fo.ok": {
        "en": "{n} of {n} requests through {label} succeeded while {stopped} was stopped; they were served by {served}.",
        "id": "{n} dari {n} permintaan lewat {label} berhasil saat {stopped} mati; dilayani oleh {served}.",
    },
    "fo.never_tried": {
        "en": " Note: nginx never tried {stopped} during these requests. Is it in the `upstream` group? (Or nginx had already marked it as failed.) Stopping an app outside the group proves nothing.",
        "id": " Catatan: nginx tidak pernah mencoba {stopped} selama permintaan ini. Apakah ia ada di grup `upstream`? (Atau nginx sudah menandainya gagal.) Mematikan aplikasi di luar grup tidak membuktikan apa-apa.",
    },
    "other_apps": {"en": "the other apps", "id": "aplikasi lain"},
    "and": {"en": "and", "id": "dan"},
}


def say(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang`, filled with `values`."""
    return tr(MESSAGES, key, lang, **values)


def join_names(names: list[str], lang: str) -> str:
    """`a`, `a and b`, `a, b and c` in the learner's language."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {say('and', lang)} {names[-1]}"


def seconds(value: float) -> str:
    """A duration for messages: 3, 1.5, 0.25."""
    return f"{value:g}"


def percent(p: float) -> str:
    """A probability in plain words: 83%, 1.2%, less than 0.1%."""
    if p >= 0.995:
        return "100%"
    if p >= 0.1:
        return f"{p:.0%}"
    if p >= 0.001:
        return f"{p:.1%}"
    return "< 0.1%"
