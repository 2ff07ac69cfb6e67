-- The cameo consent in force at any moment, per video (docs/product.md,
-- "Consent history and ad revenue per video"). consent_spans: (since,
-- consented) pairs sorted by since, the first at 1970-01-01, so the consent in
-- force at time t is arrayLast(s -> s.1 <= t, consent_spans).2.
--
-- From video_consent_history (migration 0091): every state a video was loaded
-- with, one per since (= consent_changed_at, or 1970-01-01 when the row has
-- none). Each load states the video's current consent and since when it has
-- held, so it overrides what earlier loads said about any time from its since
-- on: a state is kept only if no later load has a since at or before it. A
-- revocation loaded after a grant keeps the grant before it; a row loaded
-- without consent_changed_at replaces the whole history (nothing says when
-- it changed), as every load did before consent_changed_at existed.
--
-- Before the earliest kept state, the previous state is implied (DATA.md):
-- consented when that state is a revocation (it must have been granted to be
-- revoked), not consented when it is granted or none.
SELECT
	video_id,
	arrayConcat(
		[(toDateTime64(0, 3, 'UTC'), kept[1].3 = 'revoked')],
		arrayMap(s -> (s.1, s.3 = 'granted'), kept)
	) AS consent_spans
FROM (
	SELECT
		video_id,
		arrayFilter((s, i) -> s.2 >= arrayMax(arrayMap(x -> x.2, arraySlice(states, 1, i))), states, arrayEnumerate(states)) AS kept
	FROM (
		SELECT video_id, arraySort(s -> s.1, groupArray((since, ingested_at, toString(cameo_consent)))) AS states
		FROM video_consent_history FINAL
		GROUP BY video_id
	)
)
