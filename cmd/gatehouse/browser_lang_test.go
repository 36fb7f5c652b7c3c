package main

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// japanese makes the browser ask for Japanese (Accept-Language: ja) or,
// with on false, for nothing in particular again.
func japanese(on bool) chromedp.Action {
	h := network.Headers{}
	if on {
		h["Accept-Language"] = "ja"
	}
	return network.SetExtraHTTPHeaders(h)
}

// pageLang checks that the page on screen says it is in lang (<html lang>)
// and carries no English skip link: the Japanese pass must really be
// Japanese, not an English page audited twice.
func pageLang(t *testing.T, lang string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var got, skip string
		if err := chromedp.Evaluate(`document.documentElement.lang`, &got).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Evaluate(`(document.querySelector('.skip-link')||{}).textContent||''`, &skip).Do(ctx); err != nil {
			return err
		}
		if got != lang || (lang == "ja" && skip == "Skip to main content") {
			t.Errorf("page %q: lang %q, skip link %q", lang, got, skip)
		}
		return nil
	})
}
