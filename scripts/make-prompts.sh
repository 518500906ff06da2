#!/usr/bin/env bash
# Speaks every prompt the controller plays (freeswitch-conf/prompts/prompts.tsv) into DIR, the
# folder the controller's freeswitch.promptsDir names on the FreeSWITCH hosts: 8 kHz mono 16-bit
# wav, the rate of the PCMA/PCMU legs, so FreeSWITCH plays them without resampling.
# Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox). Replace any file with a
# recording of your own at the same path; the list names them all.
# Each file is spoken in the language of its first folder (en/ with en-us, fr/ with fr, …);
# PROMPT_VOICE_<language> (e.g. PROMPT_VOICE_fr=fr-be) picks another espeak-ng voice.
#   scripts/make-prompts.sh /usr/local/freeswitch/sounds/prompts [your-prompts.tsv]
set -euo pipefail
dir="${1:?usage: make-prompts.sh DIR [LIST]}"
list="${2:-$(cd "$(dirname "$0")/.." && pwd)/freeswitch-conf/prompts/prompts.tsv}"
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-prompts: $tool is missing (apt-get install espeak-ng sox)" >&2; exit 2; }
done
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
count=0
while IFS=$'\t' read -r file text; do
  case "$file" in ''|'#'*) continue ;; esac
  mkdir -p "$dir/$(dirname "$file")"
  language="${file%%/*}"
  default_voice="$language"; [ "$language" = en ] && default_voice=en-us
  voice_var="PROMPT_VOICE_$language"
  voice="${!voice_var:-$default_voice}"
  espeak-ng -v "$voice" -s 150 -w "$tmp/spoken.wav" "$text"
  sox "$tmp/spoken.wav" -r 8000 -c 1 -b 16 "$dir/$file"
  count=$((count + 1))
done < "$list"
echo "make-prompts: $count prompts in $dir"
