package report

import (
	"crypto/sha256"
	"encoding/base64"
)

// htmlCSS is the report's whole stylesheet, print rules included. No web
// font, no image: the page makes no request.
const htmlCSS = `:root{--fail:#c62828;--warn:#b26a00;--error:#6a1b9a;--pass:#2e7d32;--ign:#546e7a;--na:#9e9e9e;--crit:#7f0000;--high:#c62828;--med:#ef6c00;--low:#f9a825;--fg:#1d1d1f;--mut:#5f6368;--bd:#dadce0;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:var(--fg);margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid var(--bd);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dl.meta dt{color:var(--mut)}dl.meta dd{margin:0;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid var(--bd);border-radius:6px;padding:8px 14px;min-width:110px;background:var(--bg2)}
.card .n{display:block;font-size:22px;font-weight:600}.card .l{color:var(--mut)}
.s-FAIL .n,.st-FAIL{color:var(--fail)}.s-WARN .n,.st-WARN{color:var(--warn)}.s-ERROR .n,.st-ERROR{color:var(--error)}.s-PASS .n,.st-PASS{color:var(--pass)}.s-IGNORED .n,.st-IGNORED{color:var(--ign)}.s-NOT_APPLICABLE .n,.st-NOT_APPLICABLE{color:var(--na)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}
svg{display:block;max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1d1d1f}
.b-pass{fill:var(--pass)}.b-fail{fill:var(--fail)}.b-warn{fill:var(--warn)}.b-error{fill:var(--error)}.b-ign{fill:var(--ign)}.b-na{fill:var(--na)}.b-critical{fill:var(--crit)}.b-high{fill:var(--high)}.b-medium{fill:var(--med)}.b-low{fill:var(--low)}
.legend span{margin-right:12px;white-space:nowrap}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.sw-pass{background:var(--pass)}.sw-fail{background:var(--fail)}.sw-warn{background:var(--warn)}.sw-error{background:var(--error)}.sw-ign{background:var(--ign)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--bd)}th{background:var(--bg2);font-weight:600}
td.sub,td.loc{word-break:break-all}table.items{table-layout:fixed}.items th:nth-child(1){width:44%}.items th:nth-child(2){width:13%}.items th:nth-child(3){width:316px}
#results{table-layout:fixed}#results col.c-st{width:9%}#results col.c-sev{width:7%}#results col.c-id{width:18%}#results col.c-sub{width:17%}#results col.c-loc{width:19%}code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg2);padding:1px 3px;border-radius:3px;word-break:break-all}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid currentColor;white-space:nowrap}
.sev-critical{color:var(--crit)}.sev-high{color:var(--high)}.sev-medium{color:var(--med)}.sev-low{color:#8d6e00}
.bst-pass{color:var(--pass)}.bst-fail{color:var(--fail)}.bst-error{color:var(--error)}.bst-manual{color:var(--warn)}.bst-not-applicable{color:var(--na)}
.bl-new{color:#0b57d0}.bl-unchanged{color:var(--mut)}
form.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end;background:var(--bg2);border:1px solid var(--bd);border-radius:6px;padding:10px;margin:8px 0;position:sticky;top:0}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--mut)}form.filters select,form.filters input{font:inherit;padding:3px 4px;min-width:120px}
.shown{margin-left:auto;color:var(--mut)}
details summary{cursor:pointer;color:#0b57d0}details p{margin:4px 0}
.muted{color:var(--mut)}.rate{font-weight:600}
footer{margin-top:32px;color:var(--mut);font-size:12px}
@media (max-width:800px){.grid2{grid-template-columns:1fr}}
@media print{body{max-width:none;padding:0;font-size:10pt}form.filters,.noprint{display:none!important}tr.finding[hidden]{display:table-row!important}
h2{break-after:avoid}tr,.card,svg{break-inside:avoid}thead{display:table-header-group}a{color:inherit;text-decoration:none}.card{background:none}}
`

// htmlJS is the report's whole script: the filters and the search box over
// the rows already in the page, showing the rows that match a page
// (htmlPage rows, the table's data-page) at a time so a page of tens of
// thousands of findings stays responsive, and opening every detail before
// printing.
const htmlJS = `(function(){
var f=document.getElementById('filters');if(!f){return;}
var rows=Array.prototype.slice.call(document.querySelectorAll('tr.finding'));
var text=null;
var keys=['layer','severity','status','namespace','check','baseline'];
var shown=document.getElementById('shown');
var page=+document.getElementById('results').getAttribute('data-page')||1000,limit=page;
var more=document.getElementById('more');
function apply(){
var want={};keys.forEach(function(k){var e=f.elements[k];want[k]=e?e.value:'';});
var q=f.elements.q.value.trim().toLowerCase();var n=0;
for(var i=0;i<rows.length;i++){var r=rows[i],ok=true;
for(var j=0;j<keys.length&&ok;j++){var k=keys[j];if(want[k]!==''&&r.getAttribute('data-'+k)!==want[k]){ok=false;}}
if(ok&&q!==''){if(text===null){text=rows.map(function(x){return x.textContent.toLowerCase();});}if(text[i].indexOf(q)<0){ok=false;}}
var v=false;if(ok){v=n<limit;n++;}
if(r.hidden===v){r.hidden=!v;}}
shown.textContent=String(n);more.hidden=n<=limit;}
function filter(){limit=page;apply();}
f.addEventListener('input',filter);f.addEventListener('change',filter);
document.getElementById('show-more').addEventListener('click',function(){limit+=page;apply();});
document.getElementById('show-all').addEventListener('click',function(){limit=Infinity;apply();});
f.addEventListener('submit',function(e){e.preventDefault();});
f.addEventListener('reset',function(e){e.preventDefault();Array.prototype.forEach.call(f.elements,function(el){if(el.tagName==='SELECT'){el.selectedIndex=0;}else if(el.tagName==='INPUT'){el.value='';}});limit=page;apply();});
window.addEventListener('beforeprint',function(){Array.prototype.forEach.call(document.querySelectorAll('details'),function(d){d.open=true;});});
})();
`

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlCSP allows the page's own stylesheet and script, by hash, and
// nothing else: no request leaves the page.
var htmlCSP = "default-src 'none'; style-src " + cspHash(htmlCSS) + "; script-src " + cspHash(htmlJS) +
	"; img-src 'none'; base-uri 'none'; form-action 'none'"
