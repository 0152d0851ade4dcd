#include "tdm/notifier/template.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace tdm::notifier {

TemplateValue TemplateValue::Text(std::string text) {
  TemplateValue v;
  v.text_ = std::move(text);
  return v;
}

TemplateValue TemplateValue::Flag(bool flag) {
  TemplateValue v;
  v.kind_ = Kind::kFlag;
  v.flag_ = flag;
  return v;
}

TemplateValue TemplateValue::List() {
  TemplateValue v;
  v.kind_ = Kind::kList;
  return v;
}

TemplateValue TemplateValue::Map() {
  TemplateValue v;
  v.kind_ = Kind::kMap;
  return v;
}

TemplateValue& TemplateValue::Set(std::string_view key, TemplateValue value) {
  assert(kind_ == Kind::kMap);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      children_[i] = std::move(value);
      return *this;
    }
  }
  keys_.emplace_back(key);
  children_.push_back(std::move(value));
  return *this;
}

TemplateValue& TemplateValue::Append(TemplateValue element) {
  assert(kind_ == Kind::kList && element.kind() == Kind::kMap);
  children_.push_back(std::move(element));
  return children_.back();
}

const TemplateValue* TemplateValue::Find(std::string_view key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &children_[i];
  }
  return nullptr;
}

bool TemplateValue::Truthy() const {
  switch (kind_) {
    case Kind::kText:
      return !text_.empty();
    case Kind::kFlag:
      return flag_;
    case Kind::kList:
      return !children_.empty();
    case Kind::kMap:
      return true;
  }
  return false;
}

struct Template::Node {
  enum class Type { kText, kVariable, kSection, kInverted };
  Type type = Type::kText;
  std::string text;               // kText: the text; otherwise the name as written
  std::vector<std::string> path;  // the name split at '.'
  int line = 0;
  std::vector<Node> children;  // sections
};

namespace {

using Node = Template::Node;

// One level of the context stack: a value names are looked up in, and its
// dotted path from the root ("images" for every element of images[]).
struct Frame {
  const TemplateValue* value;
  std::string path;
};

std::string JoinPath(const std::string& base, const std::string& name) {
  return base.empty() ? name : base + "." + name;
}

// Mustache lookup: the first segment in the innermost map that has it, the
// rest inside that value. Sets `full_path` to the field's dotted path.
const TemplateValue* Resolve(const std::vector<Frame>& stack, const std::vector<std::string>& name,
                             std::string* full_path) {
  const TemplateValue* v = nullptr;
  for (auto it = stack.rbegin(); it != stack.rend() && v == nullptr; ++it) {
    if (it->value == nullptr) continue;
    v = it->value->Find(name[0]);
    if (v != nullptr) *full_path = JoinPath(it->path, name[0]);
  }
  for (size_t i = 1; i < name.size() && v != nullptr; ++i) {
    v = v->Find(name[i]);
    *full_path += "." + name[i];
  }
  return v;
}

const char* KindName(TemplateValue::Kind kind) {
  switch (kind) {
    case TemplateValue::Kind::kText:
      return "text";
    case TemplateValue::Kind::kFlag:
      return "yes/no";
    case TemplateValue::Kind::kList:
      return "list";
    case TemplateValue::Kind::kMap:
      return "group";
  }
  return "?";
}

bool ValidName(std::string_view name, std::vector<std::string>* path) {
  path->clear();
  std::string segment;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (segment.empty()) return false;
      path->push_back(std::move(segment));
      segment.clear();
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
    segment += c;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A piece of one template line: text, or a tag with its sigil ('#', '^',
// '/', '!', or 0 for a variable) and name.
struct Piece {
  bool is_tag = false;
  char sigil = 0;
  std::string text;  // text, or the tag's name
};

class Parser {
 public:
  Parser(std::string_view file, const TemplateValue& schema) : file_(file) {
    schema_stack_.push_back({&schema, ""});
  }

  Result<std::vector<Node>> Run(std::string_view text, int first_line) {
    int line = first_line;
    for (size_t pos = 0; pos < text.size(); ++line) {
      const size_t nl = text.find('\n', pos);
      const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
      if (Status s = Line(text.substr(pos, end - pos), line); !s.ok()) return s;
      pos = end;
    }
    if (!open_.empty()) {
      return Error(open_.back().line, "unclosed section '" + open_.back().text + "'");
    }
    return std::move(root_);
  }

 private:
  Status Error(int line, const std::string& what) const {
    return Status::InvalidArgument(file_ + ":" + std::to_string(line) + ": " + what);
  }

  Status Line(std::string_view line_text, int line) {
    const bool has_newline = !line_text.empty() && line_text.back() == '\n';
    const std::string_view content =
        has_newline ? line_text.substr(0, line_text.size() - 1) : line_text;
    std::vector<Piece> pieces;
    size_t pos = 0;
    while (pos < content.size()) {
      const size_t open = content.find("{{", pos);
      if (open == std::string_view::npos) {
        pieces.push_back({false, 0, std::string(content.substr(pos))});
        break;
      }
      if (open > pos) pieces.push_back({false, 0, std::string(content.substr(pos, open - pos))});
      const size_t close = content.find("}}", open + 2);
      if (close == std::string_view::npos) {
        return Error(line, "unclosed tag '{{' (a tag must close on its own line)");
      }
      std::string_view tag = Trim(content.substr(open + 2, close - open - 2));
      Piece p;
      p.is_tag = true;
      if (!tag.empty() && (tag[0] == '#' || tag[0] == '^' || tag[0] == '/' || tag[0] == '!')) {
        p.sigil = tag[0];
        tag = Trim(tag.substr(1));
      } else if (!tag.empty() &&
                 std::string_view("{&>=<$").find(tag[0]) != std::string_view::npos) {
        return Error(line, "unsupported tag '{{" + std::string(tag) + "}}'");
      }
      p.text = std::string(tag);
      pieces.push_back(std::move(p));
      pos = close + 2;
    }
    // A line of nothing but section/comment tags and blanks leaves no trace.
    const bool standalone =
        std::any_of(pieces.begin(), pieces.end(), [](const Piece& p) { return p.is_tag; }) &&
        std::all_of(pieces.begin(), pieces.end(),
                    [](const Piece& p) { return p.is_tag ? p.sigil != 0 : Trim(p.text).empty(); });
    if (!standalone && has_newline) pieces.push_back({false, 0, "\n"});
    for (Piece& p : pieces) {
      if (standalone && !p.is_tag) continue;
      if (Status s = Add(std::move(p), line); !s.ok()) return s;
    }
    return Status::Ok();
  }

  std::vector<Node>& Current() { return open_.empty() ? root_ : open_.back().children; }

  Status Add(Piece p, int line) {
    if (!p.is_tag) {
      std::vector<Node>& nodes = Current();
      if (!nodes.empty() && nodes.back().type == Node::Type::kText) {
        nodes.back().text += p.text;
      } else {
        Node n;
        n.text = std::move(p.text);
        nodes.push_back(std::move(n));
      }
      return Status::Ok();
    }
    if (p.sigil == '!') return Status::Ok();
    Node n;
    n.text = p.text;
    n.line = line;
    if (p.sigil == '/') {
      if (open_.empty()) return Error(line, "'{{/" + p.text + "}}' closes no open section");
      if (open_.back().text != p.text) {
        return Error(line, "'{{/" + p.text + "}}' closes section '" + open_.back().text +
                               "' opened on line " + std::to_string(open_.back().line));
      }
      Node done = std::move(open_.back());
      open_.pop_back();
      schema_stack_.pop_back();
      Current().push_back(std::move(done));
      return Status::Ok();
    }
    if (!ValidName(p.text, &n.path)) return Error(line, "bad field name '" + p.text + "'");
    std::string full;
    const TemplateValue* v = Resolve(schema_stack_, n.path, &full);
    if (v == nullptr) return Error(line, "unknown field '" + p.text + "'");
    if (p.sigil == 0) {
      if (v->kind() != TemplateValue::Kind::kText) {
        return Error(line, "'" + p.text + "' is a " + KindName(v->kind()) +
                               " field, not text: use it as a section {{#" + p.text + "}}");
      }
      n.type = Node::Type::kVariable;
      Current().push_back(std::move(n));
      return Status::Ok();
    }
    n.type = p.sigil == '#' ? Node::Type::kSection : Node::Type::kInverted;
    const TemplateValue* inner = nullptr;  // the context inside the section
    if (n.type == Node::Type::kSection && v->kind() == TemplateValue::Kind::kList) {
      assert(!v->elements().empty());  // a schema list describes its elements
      inner = v->elements().empty() ? nullptr : &v->elements()[0];
    } else if (n.type == Node::Type::kSection && v->kind() == TemplateValue::Kind::kMap) {
      inner = v;
    }
    schema_stack_.push_back({inner, full});
    open_.push_back(std::move(n));
    return Status::Ok();
  }

  std::string file_;
  std::vector<Frame> schema_stack_;
  std::vector<Node> root_;
  std::vector<Node> open_;  // sections opened and not yet closed, innermost last
};

void RenderNodes(const std::vector<Node>& nodes, std::vector<Frame>& stack, std::string& out,
                 std::set<std::string>* used) {
  for (const Node& n : nodes) {
    if (n.type == Node::Type::kText) {
      out += n.text;
      continue;
    }
    std::string path;
    const TemplateValue* v = Resolve(stack, n.path, &path);
    switch (n.type) {
      case Node::Type::kVariable:
        if (v != nullptr && v->kind() == TemplateValue::Kind::kText && !v->text().empty()) {
          out += v->text();
          if (used != nullptr) used->insert(path);
        }
        break;
      case Node::Type::kSection:
        if (v == nullptr || !v->Truthy()) break;
        if (v->kind() == TemplateValue::Kind::kList) {
          for (const TemplateValue& element : v->elements()) {
            stack.push_back({&element, path});
            RenderNodes(n.children, stack, out, used);
            stack.pop_back();
          }
        } else {
          stack.push_back({v, path});
          RenderNodes(n.children, stack, out, used);
          stack.pop_back();
        }
        break;
      case Node::Type::kInverted:
        if (v == nullptr || !v->Truthy()) RenderNodes(n.children, stack, out, used);
        break;
      case Node::Type::kText:
        break;
    }
  }
}

}  // namespace

Result<Template> Template::Parse(std::string_view file, std::string_view text,
                                 const TemplateValue& schema, int first_line) {
  auto nodes = Parser(file, schema).Run(text, first_line);
  if (!nodes.ok()) return nodes.status();
  Template t;
  t.nodes_ = std::make_shared<const std::vector<Node>>(std::move(nodes).value());
  return t;
}

std::string Template::Render(const TemplateValue& data, std::set<std::string>* used) const {
  std::string out;
  if (!nodes_) return out;
  std::vector<Frame> stack{{&data, ""}};
  RenderNodes(*nodes_, stack, out, used);
  return out;
}

}  // namespace tdm::notifier
