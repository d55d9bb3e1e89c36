# Set-up is part of every entry point: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run chat test setup eval clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned resolve would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

setup: $(INSTALLED)
	$(BIN)/qa provision
	$(BIN)/qa index

# The Telegram bot runs beside the HTTP service when TELEGRAM_BOT_TOKEN is set.
run: setup
	@bot_pid=; \
	if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(BIN)/qa bot & bot_pid=$$!; fi; \
	trap '[ -z "$$bot_pid" ] || kill $$bot_pid 2>/dev/null' EXIT INT TERM; \
	$(BIN)/qa serve --host $${QA_HOST:-127.0.0.1} --port $${QA_PORT:-8000}

chat: setup
	$(BIN)/qa chat

test: setup
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/qa eval tests/data/dev.jsonl

clean:
	rm -rf .qa $(VENV)
