"""The text of `tutor serve`: its command-line messages and its web pages, in Indonesian and English.

Look strings up with `tutor.i18n.tr(SERVE_STRINGS, key, lang, **values)`.
"""

from __future__ import annotations

SERVE_STRINGS: dict[str, dict[str, str]] = {
    # Command line
    "serve.bad_port": {
        "id": "tutor serve: --port harus angka 0 sampai 65535 (0 = port bebas mana saja), bukan {port!r}",
        "en": "tutor serve: --port must be a number from 0 to 65535 (0 = any free port), not {port!r}",
    },
    "serve.bad_max_sessions": {
        "id": "tutor serve: --max-sessions harus angka 1 sampai 1000, bukan {value!r}",
        "en": "tutor serve: --max-sessions must be a number from 1 to 1000, not {value!r}",
    },
    "serve.cannot_listen": {
        "id": "tutor serve: tidak bisa membuka {address}: {reason}",
        "en": "tutor serve: cannot listen on {address}: {reason}",
    },
    "serve.needs_public": {
        "id": "tutor serve: {host} bukan alamat loopback; tambahkan --public kalau memang ingin membukanya untuk orang lain",
        "en": "tutor serve: {host} is not a loopback address; add --public if you really mean to open it to others",
    },
    "serve.public_warning": {
        "id": "PERINGATAN: siapa pun yang bisa menjangkau {address} dan tahu token di URL bisa memakai tutor "
              "di sini, termasuk cek langsung yang menghubungi mesin yang tersimpan di dalamnya. "
              "Bagikan URL ini hanya ke kelasmu.",
        "en": "WARNING: anyone who can reach {address} and knows the token in the URL can use tutor here, "
              "including the live checks that contact the machines saved in it. Share this URL only with your class.",
    },
    "serve.listening": {
        "id": "tutor serve: buka {url} di browser (maks. {max_sessions} sesi). Ctrl+C untuk berhenti.",
        "en": "tutor serve: open {url} in a browser (at most {max_sessions} sessions). Ctrl+C stops it.",
    },
    "serve.stopped": {
        "id": "tutor serve: berhenti; {count} sesi ditutup.",
        "en": "tutor serve: stopped; {count} session(s) closed.",
    },
    # Web pages
    "page.title": {
        "id": "tutor · web server, reverse proxy & load balancing",
        "en": "tutor · web servers, reverse proxies & load balancing",
    },
    "page.tagline": {
        "id": "Belajar web server, reverse proxy dan load balancing dengan nginx.",
        "en": "Learn web servers, reverse proxies and load balancing with nginx.",
    },
    "page.start": {"id": "Mulai", "en": "Start"},
    "page.keys": {
        "id": "Semua tombol sama seperti di terminal: F1 bantuan, F2 ganti bahasa.",
        "en": "Every key works as in the terminal: F1 help, F2 switch language.",
    },
    "page.ended": {"id": "Sesi ini sudah selesai.", "en": "This session has ended."},
    "page.restart": {"id": "Mulai lagi", "en": "Start again"},
    "page.full.title": {"id": "tutor · server penuh", "en": "tutor · server full"},
    "page.full": {
        "id": "Server sedang penuh: semua {limit} sesi sedang dipakai. "
              "Coba lagi setelah ada yang menutup tab-nya.",
        "en": "The server is full: all {limit} sessions are in use. "
              "Try again when someone closes their tab.",
    },
    "page.try_again": {"id": "Coba lagi", "en": "Try again"},
    "page.forbidden.title": {"id": "tutor · akses ditolak", "en": "tutor · access denied"},
    "page.forbidden": {
        "id": "Token akses di URL tidak ada atau salah. Minta URL lengkap (dengan ?token=…) ke pengajarmu.",
        "en": "The access token in the URL is missing or wrong. Ask your instructor for the full URL (with ?token=…).",
    },
}
