# Helpers of the headless Firefox ESR tests (client_firefox.sh,
# pinentry_firefox_tls.sh). Sourced, not run; needs ride/lib.sh first ($work,
# die). Firefox reads enterprise policies from distribution/policies.json
# next to its binary (or /etc/firefox/policies): rather than write into the
# system's Firefox, firefox_app makes a private application directory of
# symbolic links to the installed files, with a copy of the small launcher
# binary (Firefox finds its directory through /proc/self/exe, so a link would
# lead back to the system's) and a distribution/ of our own.
# shellcheck shell=bash

# firefox_app DIR POLICIES.json : DIR/firefox-esr runs the installed Firefox
# ESR with these policies
firefox_app() {
    local dir=$1 policies=$2 real f b
    real=$(dirname "$(readlink -f "$(command -v firefox-esr)")")
    mkdir -p "$dir/distribution"
    for f in "$real"/*; do
        b=$(basename "$f")
        case $b in distribution | firefox-esr | firefox-bin) ;; *) ln -s "$f" "$dir/$b" ;; esac
    done
    cp "$real/firefox-esr" "$dir/firefox-esr"
    ln -s firefox-esr "$dir/firefox-bin"
    cp "$policies" "$dir/distribution/policies.json"
}

# firefox_profile DIR [PREF-LINES] : a fresh profile (an empty NSS database
# and a user.js with quiet prefs plus the lines given)
firefox_profile() {
    local dir=$1
    mkdir -p "$dir"
    certutil -N -d "sql:$dir" --empty-password || die "certutil -N on the profile"
    {
        echo 'user_pref("security.osclientcerts.autoload", false);'
        echo 'user_pref("browser.shell.checkDefaultBrowser", false);'
        echo 'user_pref("datareporting.policy.dataSubmissionEnabled", false);'
        echo 'user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);'
        echo 'user_pref("app.update.enabled", false);'
        printf '%s\n' "${2:-}"
    } >"$dir/user.js"
}

# firefox_run APPDIR PROFILE SECONDS URL SHOT.png LOG : headless, under
# timeout (headless Firefox never answers a dialog: without a bound a PIN
# prompt would wait forever); its own HOME, no crash reporter
firefox_run() {
    local app=$1 profile=$2 secs=$3 url=$4 shot=$5 log=$6
    mkdir -p "$work/ff-home"
    HOME=$work/ff-home MOZ_CRASHREPORTER_DISABLE=1 MOZ_HEADLESS=1 \
        timeout -k 5 "$secs" "$app/firefox-esr" --headless --no-remote --profile "$profile" \
        --screenshot "$shot" "$url" >"$log" 2>&1
}
