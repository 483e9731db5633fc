-- A queued message now holds the Graph API body it will send ("body"), built once when its turn queues it, instead
-- of a description ("message") that was turned into a body again at send time. Messages still waiting when this
-- runs (one held up to 7 days for a closed 24-hour window, or an outage's backlog) are rewritten here into the
-- body whatsapp.payloads.build_message makes for them, so none is lost or sent in the old shape.
WITH old AS (
    SELECT id, payload->>'to' AS recipient, payload->'message' AS m
    FROM outbox
    WHERE kind = 'send' AND done_at IS NULL AND payload ? 'message'
), built AS (
    SELECT id, jsonb_build_object('messaging_product', 'whatsapp', 'recipient_type', 'individual', 'to', recipient)
        || CASE m->>'type'
        WHEN 'text' THEN jsonb_build_object('type', 'text', 'text', jsonb_build_object(
            'body', m->'body', 'preview_url', coalesce((m->>'preview_url')::boolean, false)))
        WHEN 'buttons' THEN jsonb_build_object('type', 'interactive', 'interactive', jsonb_strip_nulls(jsonb_build_object(
            'type', 'button',
            'body', jsonb_build_object('text', m->'body'),
            'action', jsonb_build_object('buttons', (
                SELECT jsonb_agg(jsonb_build_object('type', 'reply', 'reply',
                                                    jsonb_build_object('id', b->0, 'title', b->1)) ORDER BY n)
                FROM jsonb_array_elements(m->'buttons') WITH ORDINALITY AS x(b, n))),
            'header', CASE WHEN coalesce(m->>'image_id', '') <> ''
                           THEN jsonb_build_object('type', 'image', 'image', jsonb_build_object('id', m->'image_id'))
                           WHEN coalesce(m->>'header', '') <> ''
                           THEN jsonb_build_object('type', 'text', 'text', m->'header') END,
            'footer', CASE WHEN coalesce(m->>'footer', '') <> '' THEN jsonb_build_object('text', m->'footer') END)))
        WHEN 'list' THEN jsonb_build_object('type', 'interactive', 'interactive', jsonb_strip_nulls(jsonb_build_object(
            'type', 'list',
            'body', jsonb_build_object('text', m->'body'),
            'action', jsonb_build_object('button', m->'button', 'sections', (
                SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                    'title', CASE WHEN s->>0 <> '' OR jsonb_array_length(m->'sections') > 1 THEN s->0 END,
                    'rows', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                 'id', r->0, 'title', r->1,
                                 'description', CASE WHEN r->>2 <> '' THEN r->2 END)) ORDER BY rn)
                             FROM jsonb_array_elements(s->1) WITH ORDINALITY AS y(r, rn)))) ORDER BY sn)
                FROM jsonb_array_elements(m->'sections') WITH ORDINALITY AS z(s, sn))),
            'header', CASE WHEN coalesce(m->>'header', '') <> ''
                           THEN jsonb_build_object('type', 'text', 'text', m->'header') END,
            'footer', CASE WHEN coalesce(m->>'footer', '') <> '' THEN jsonb_build_object('text', m->'footer') END)))
        WHEN 'template' THEN jsonb_build_object('type', 'template', 'template', jsonb_build_object(
            'name', m->'name', 'language', jsonb_build_object('code', m->'language'))
            || CASE WHEN jsonb_array_length(coalesce(m->'body_params', '[]')) + jsonb_array_length(coalesce(m->'quick_replies', '[]')) = 0
                    THEN '{}'::jsonb
                    ELSE jsonb_build_object('components',
                        CASE WHEN jsonb_array_length(coalesce(m->'body_params', '[]')) = 0 THEN '[]'::jsonb
                             ELSE jsonb_build_array(jsonb_build_object('type', 'body', 'parameters', (
                                 SELECT jsonb_agg(jsonb_build_object('type', 'text', 'text', p) ORDER BY pn)
                                 FROM jsonb_array_elements(m->'body_params') WITH ORDINALITY AS v(p, pn)))) END
                        || coalesce((SELECT jsonb_agg(jsonb_build_object('type', 'button', 'sub_type', 'quick_reply',
                                                                         'index', (qn - 1)::text, 'parameters',
                                                                         jsonb_build_array(jsonb_build_object(
                                                                             'type', 'payload', 'payload', q))) ORDER BY qn)
                                     FROM jsonb_array_elements(m->'quick_replies') WITH ORDINALITY AS w(q, qn)), '[]'))
               END)
        END AS body
    FROM old
)
UPDATE outbox o SET payload = (o.payload - 'message') || jsonb_build_object('body', built.body)
FROM built
WHERE o.id = built.id AND built.body IS NOT NULL;
