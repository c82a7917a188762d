#!/usr/bin/env bash
# Tests scripts/install.sh as a user would run it: installs into a fresh prefix, then checks that
# the installed binary runs, that `man` renders the page with every subcommand, that bash really
# completes a subcommand and a flag through the installed script, and that zsh and fish accept
# theirs (each shell only where it is installed; CI installs both).
#
# Usage: scripts/test-install.sh [--configuration release|debug]   (default: debug, reusing `swift test`'s build)
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=debug
if [ "${1:-}" = "--configuration" ]; then configuration=${2:?--configuration needs release or debug}; fi
prefix=$(mktemp -d "${TMPDIR:-/tmp}/artifact-store-install-test.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
fail() { echo "test-install.sh: FAIL: $*" >&2; exit 1; }

scripts/install.sh --prefix "$prefix" --configuration "$configuration" > "$prefix.out" || fail "install.sh exited $?"
grep -q "installed artifact-store" "$prefix.out" || fail "install.sh did not say what it installed: $(cat "$prefix.out")"
rm -f "$prefix.out"

bin="$prefix/bin/artifact-store"
"$bin" --version > /dev/null || fail "the installed binary does not run"

# The man page renders and documents every subcommand --help lists.
page=$(MANWIDTH=100 man -l "$prefix/share/man/man1/artifact-store.1" 2>/dev/null || groff -man -Tutf8 "$prefix/share/man/man1/artifact-store.1" 2>/dev/null) \
    || fail "man cannot render $prefix/share/man/man1/artifact-store.1"
subcommands=$("$bin" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[ -n "$subcommands" ] || fail "no subcommands in --help"
for command in $subcommands; do
    grep -q "$command" <<< "$page" || fail "the man page does not mention '$command'"
done

# bash: the installed script, asked as bash-completion asks (COMP_WORDS / COMP_CWORD).
complete_bash() {
    bash --norc --noprofile -c '
        source "$1"; shift
        function=$(complete -p artifact-store | sed -n "s/.*-F \([^ ]*\).*/\1/p")
        [ -n "$function" ] || exit 2
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        "$function" artifact-store "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/artifact-store" "$@"
}
replies=$(complete_bash artifact-store can-) || fail "the bash completion script failed"
grep -qx "can-install" <<< "$replies" || fail "bash does not complete 'can-' to can-install: $replies"
replies=$(complete_bash artifact-store gc --dry) || fail "the bash completion script failed on flags"
grep -qx -- "--dry-run" <<< "$replies" || fail "bash does not complete 'gc --dry' to --dry-run: $replies"

if command -v zsh > /dev/null; then
    zsh -n "$prefix/share/zsh/site-functions/_artifact-store" || fail "zsh rejects the installed completion script"
fi
if command -v fish > /dev/null; then
    fish --no-execute "$prefix/share/fish/vendor_completions.d/artifact-store.fish" || fail "fish rejects the installed completion script"
    fish --no-config -c "source '$prefix/share/fish/vendor_completions.d/artifact-store.fish'; complete -C 'artifact-store can-'" | grep -q "^can-install" \
        || fail "fish does not complete 'can-' to can-install"
fi
echo "test-install.sh: binary, man page and bash$(command -v zsh > /dev/null && echo ", zsh")$(command -v fish > /dev/null && echo ", fish") completions install and work"
