# What `zdwatch tail --filter` looks at, written in jq for the side-by-side benchmark (scripts/bench tail).
# It unwraps an SNS notification, then reads either format: the retired Events Connector
# (`detail.ticket_event`) or a relayed webhook event (`detail.type` = `zen:event-type:…`).
def eb: if .Type == "Notification" then (.Message | fromjson) else . end;
def legacy: .detail | has("ticket_event");
def kind: if legacy then .detail.ticket_event.type else .detail.type end;
def lower: if type == "string" then ascii_downcase else . end;
def status_change($from; $to):
  if legacy then
    .detail.ticket_event | .type == "Status Changed" and (.previous | lower) == $from and (.current | lower) == $to
  else
    .detail | .type == "zen:event-type:ticket.status_changed"
      and (.event.previous | lower) == $from and (.event.current | lower) == $to
  end;
# The ticket's tags after the event: its snapshot plus what this event added.
def has_tag($tag):
  (if legacy then .detail.ticket_event | ((.ticket.tags // []) + (.tags_added // []))
   else .detail | ((.detail.tags // []) + (.event.tags_added // [])) end)
  | any(.[]; lower == $tag);
def ticket_id:
  if legacy then .detail.ticket_event.ticket.id else .detail.detail.id end | tostring;
