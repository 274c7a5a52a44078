// A row of tabs; the panel for the active one is rendered by the parent.

export function Tabs<T extends string>(props: { tabs: readonly { id: T; label: string; count?: number }[]; active: T; onChange: (id: T) => void }) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map((t) => (
        <button
          type="button"
          role="tab"
          aria-selected={t.id === props.active}
          class={t.id === props.active ? 'tab active' : 'tab'}
          data-tab={t.id}
          onClick={() => props.onChange(t.id)}
        >
          {t.label}
          {t.count !== undefined && t.count > 0 ? <span class="count">{t.count}</span> : null}
        </button>
      ))}
    </div>
  );
}
