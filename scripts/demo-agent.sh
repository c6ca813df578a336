# The demo agent (run by busybox sh inside the jail): tries what an agent
# might, and says what worked. Exit 0 when the jail behaved as promised.
bb=busybox
bad=0
can() { printf '  %-64s %s\n' "$1" "CAN"; }
cannot() { printf '  %-64s %s\n' "$1" "cannot"; }
expect_ok() { if eval "$2" >/dev/null 2>&1; then can "$1"; else cannot "$1"; echo "    ^ expected to work"; bad=1; fi; }
expect_no() { if eval "$2" >/dev/null 2>&1; then can "$1"; echo "    ^ must not work"; bad=1; else cannot "$1"; fi; }
noproxy="env -u http_proxy -u HTTP_PROXY"

echo "demo agent: $($bb id)"
echo "  links: $($bb ip -o link | $bb awk -F': ' '{print $2}' | $bb tr '\n' ' ')"
echo "  HTTP_PROXY=$HTTP_PROXY"
expect_ok "fetch http://api.allowed.test:8080/ through the proxy" \
	"$bb timeout 5 $bb wget -q -O - http://api.allowed.test:8080/ | $bb grep -q hello"
expect_no "fetch http://evil.test:8080/ through the proxy (403)" \
	"$bb timeout 5 $bb wget -q -O - http://evil.test:8080/"
# Any server will do: port 53 of every address goes to jailinit's DNS.
synth=$($bb nslookup api.allowed.test 192.0.2.53 2>/dev/null | $bb awk '/^Address/ {a=$NF} END {print a}')
expect_ok "resolve api.allowed.test (the jail's DNS: ${synth:-none})" "[ -n '$synth' ] && [ '${synth#198.19.}' != '$synth' ]"
expect_no "resolve evil.test (NXDOMAIN, and the query goes nowhere)" \
	"$bb nslookup evil.test 192.0.2.53 | $bb grep -q '^Address.*198.19'"
expect_ok "fetch api.allowed.test with no proxy at all (transparent)" \
	"$noproxy $bb timeout 5 $bb wget -q -O - http://$synth:8080/ | $bb grep -q hello"
expect_no "fetch http://203.0.113.7/ with no proxy (no rule names it: 403)" \
	"$noproxy $bb timeout 5 $bb wget -q -O - http://203.0.113.7/"
expect_no "ping the proxy side" "$bb ping -c 1 -W 1 198.18.0.1"
expect_no "add a route" "$bb ip route add 10.0.0.0/8 dev eth0"
expect_no "change its address" "$bb ip addr add 198.18.0.3/30 dev eth0"
expect_no "make a new network namespace" "$bb unshare -n true"
expect_no "make a new user namespace" "$bb unshare -U true"
expect_no "write /proc/sys/net" "echo 1 > /proc/sys/net/ipv4/ip_forward"
exit $bad
