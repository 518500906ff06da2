#!/bin/sh
# Entry point of the freeswitch service in compose.yaml: the image's vanilla configuration with
# the callback files of this folder on top, then the image's own entry point. It runs on every
# start, so an edited file here takes effect with `docker compose restart freeswitch`.
set -eu
CONF=/etc/freeswitch
SRC=/callback-conf

if [ ! -f "$CONF/freeswitch.xml" ]; then
  cp -a /usr/share/freeswitch/conf/vanilla/. "$CONF/"
  # As the image's own first start does: no well-known password for the internal SIP users.
  PASSWORD=$(tr -dc A-Za-z0-9 < /dev/urandom | head -c 16)
  sed -i -e "s/default_password=[^\"]*/default_password=$PASSWORD/" "$CONF/vars.xml"
fi

cp "$SRC"/autoload_configs/*.xml "$CONF/autoload_configs/"
cp "$SRC"/dialplan/public/*.xml "$CONF/dialplan/public/"
# The callback profile sits beside the vanilla internal and external ones (its own port, 5090).
# Earlier versions put our carrier gateway under external/: a second "carrier" would be refused.
if grep -qs 'CALLBACK_FREESWITCH_NODES' "$CONF/sip_profiles/external/carrier.xml"; then
  rm -f "$CONF/sip_profiles/external/carrier.xml"
fi
cp "$SRC/sip_profiles/callback.xml" "$CONF/sip_profiles/callback.xml"
mkdir -p "$CONF/sip_profiles/callback"
cp "$SRC"/sip_profiles/callback/*.xml "$CONF/sip_profiles/callback/"

# The vanilla modules.conf.xml does not load mod_json_cdr (at most a commented-out line).
MODULES="$CONF/autoload_configs/modules.conf.xml"
grep -q '^[[:space:]]*<load module="mod_json_cdr"/>' "$MODULES" ||
  sed -i 's|<load module="mod_event_socket"/>|&\n    <load module="mod_json_cdr"/>|' "$MODULES"

# RTP ports: only the range compose.yaml publishes.
if [ -n "${RTP_START_PORT:-}" ] && [ -n "${RTP_END_PORT:-}" ]; then
  sed -i -E \
    -e "s|(<!-- *)?<param name=\"rtp-start-port\" value=\"[0-9]*\"/>( *-->)?|<param name=\"rtp-start-port\" value=\"$RTP_START_PORT\"/>|" \
    -e "s|(<!-- *)?<param name=\"rtp-end-port\" value=\"[0-9]*\"/>( *-->)?|<param name=\"rtp-end-port\" value=\"$RTP_END_PORT\"/>|" \
    "$CONF/autoload_configs/switch.conf.xml"
fi

exec /docker-entrypoint.sh "$@"
